package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who owns a Helm release, on the real control plane with the shared operator (default flags): every revision
 * helmop makes carries its HelmRelease's marks; a tenant's HelmRelease naming another namespace's release stalls
 * (ReleaseOwnedByAnother) without touching it, and its deletion leaves it installed; a release the helm CLI
 * installed is adopted with an Event; a dependent in another namespace does not hold a deletion.
 */
class ReleaseOwnershipIT extends OperatorTest {
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart());
  }

  @Test
  void aTenantNamingAnotherNamespacesReleaseStallsAndCannotUpgradeOrUninstallIt() {
    String teamA = namespace("own-a");
    String teamB = namespace("own-b");
    apply(cluster, helmRelease(teamA, "web", repository.url(), "0.1.0", "values: {message: team-a}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", teamA, "--timeout=180s").orFail();
    assertThat(revisions(teamA, "web")).hasSize(1);
    assertThat(revisions(teamA, "web").get(0).getMetadata().getLabels())
        .containsEntry("helmop.io/owner-namespace", teamA).containsEntry("helmop.io/owner-name", "web")
        .containsEntry("helmop.io/owner-uid", get(cluster, teamA, "web").getMetadata().getUid());

    // team B may create HelmReleases in its own namespace, and nothing in team A's
    String tenant = "tenant-" + teamB;
    grantHelmReleases(teamB, tenant);
    assertThat(cluster.kubectl("--as=" + tenant, "get", "secrets", "-n", teamA).exitCode()).isNotZero();
    cluster.kubectlWithInput(helmRelease(teamB, "intruder", repository.url(), "0.1.0",
        "releaseName: web\ntargetNamespace: " + teamA + "\nvalues: {message: team-b}"),
        "--as=" + tenant, "apply", "-f", "-").orFail();

    Condition ready = awaitReadyFalse(teamB, "intruder", "ReleaseOwnedByAnother");
    System.out.println("ReleaseOwnedByAnother: " + ready.getMessage());
    assertThat(ready.getMessage()).contains("belongs to HelmRelease " + teamA + "/web")
        .contains("Pick another spec.releaseName or spec.targetNamespace");
    assertThat(status(get(cluster, teamB, "intruder"), "Stalled")).isEqualTo("True");

    // positive evidence that nothing fights: three more reconciles of the intruder, asked for as the tenant
    Instant before = Instant.now();
    for (int i = 1; i <= 3; i++) {
      cluster.kubectl("--as=" + tenant, "annotate", "--overwrite", "helmrelease/intruder", "-n", teamB,
          "reconcile.helmop.io/requestedAt=" + i).orFail();
      int answered = i;
      await().atMost(Duration.ofMinutes(1)).until(() -> String.valueOf(answered).equals(
          get(cluster, teamB, "intruder").getStatus().getLastHandledReconcileAt()));
    }
    System.out.println("team A's revisions after the intruder's reconciles over "
        + Duration.between(before, Instant.now()).toSeconds() + " s: " + revisions(teamA, "web").size());
    assertThat(revisions(teamA, "web")).as("no new revision of team A's release").hasSize(1);
    assertThat(get(cluster, teamA, "web").getStatus().getLastAppliedRevision()).isEqualTo(1);
    assertThat(cluster.kubectl("get", "configmap", "-n", teamA, "-o", "jsonpath={.items[*].data.message}")
        .orFail().output()).contains("team-a").doesNotContain("team-b");
    assertThat(events(teamB, "intruder")).extracting(Event::getReason).containsOnlyOnce("ReleaseOwnedByAnother");

    cluster.kubectl("--as=" + tenant, "delete", "helmrelease/intruder", "-n", teamB, "--wait=true",
        "--timeout=60s").orFail();
    assertThat(revisions(teamA, "web")).as("the intruder's deletion uninstalled nothing").hasSize(1);
    assertThat(cluster.helm("status", "web", "-n", teamA).orFail().output()).contains("STATUS: deployed");
    assertThat(status(get(cluster, teamA, "web"), "Ready")).isEqualTo("True");
  }

  @Test
  void aReleaseHelmopMadeBeforeItMarkedReleasesStaysWithTheHelmReleaseThatMadeIt() {
    String teamA = namespace("own-old-a");
    String teamB = namespace("own-old-b");
    apply(cluster, helmRelease(teamA, "web", repository.url(), "0.1.0", "values: {message: team-a}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", teamA, "--timeout=180s").orFail();
    await().atMost(Duration.ofMinutes(1)).until(() -> !cluster.client().configMaps().inNamespace(teamA)
        .withLabel("helmop.io/release", teamA + ".web").list().getItems().isEmpty());
    // as an operator before this change left it: no marks on Helm's records, only drift's label on the objects;
    // suspended, so that it does not mark them again before the newcomer comes
    cluster.kubectl("patch", "helmrelease/web", "-n", teamA, "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}")
        .orFail();
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, teamA, "web"), "Reconciling")
        .map(c -> "Suspended".equals(c.getReason())).orElse(false));
    cluster.kubectl("label", "secret", "-n", teamA, "-l", "owner=helm,name=web", "helmop.io/owner-namespace-",
        "helmop.io/owner-name-", "helmop.io/owner-uid-").orFail();
    assertThat(revisions(teamA, "web").get(0).getMetadata().getLabels()).doesNotContainKey("helmop.io/owner-name");

    String tenant = "tenant-" + teamB;
    grantHelmReleases(teamB, tenant);
    cluster.kubectlWithInput(helmRelease(teamB, "newcomer", repository.url(), "0.1.0",
        "releaseName: web\ntargetNamespace: " + teamA), "--as=" + tenant, "apply", "-f", "-").orFail();

    Condition ready = awaitReadyFalse(teamB, "newcomer", "ReleaseOwnedByAnother");
    System.out.println("ReleaseOwnedByAnother (unmarked release): " + ready.getMessage());
    assertThat(ready.getMessage()).contains("belongs to HelmRelease " + teamA + "/web")
        .contains("its objects carry helmop.io/release=" + teamA + ".web");
    assertThat(revisions(teamA, "web")).as("not adopted").hasSize(1);
    assertThat(events(teamB, "newcomer")).extracting(Event::getReason).doesNotContain("ReleaseAdopted");

    cluster.kubectl("patch", "helmrelease/web", "-n", teamA, "--type=merge", "-p", "{\"spec\":{\"suspend\":false}}")
        .orFail();
    await().atMost(Duration.ofMinutes(1)).until(() -> "web".equals(revisions(teamA, "web").get(0).getMetadata()
        .getLabels().get("helmop.io/owner-name")));
    assertThat(revisions(teamA, "web")).as("marked again without a Helm call").hasSize(1);
  }

  @Test
  void aReleaseTheHelmCliInstalledIsAdoptedWithAnEventAndMarked() {
    String ns = namespace("own-cli");
    cluster.helm("install", "web", "hello", "--repo", repository.url(), "--version", "0.1.0", "-n", ns,
        "--set", "message=cli").orFail();
    assertThat(revisions(ns, "web").get(0).getMetadata().getLabels()).doesNotContainKey("helmop.io/owner-name");

    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", "values: {message: helmop}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();

    Event adopted = awaitEvents(ns, "web", "ReleaseAdopted").stream()
        .filter(e -> "ReleaseAdopted".equals(e.getReason())).findFirst().orElseThrow();
    System.out.println("ReleaseAdopted: " + adopted.getMessage());
    assertThat(adopted.getMessage()).startsWith("Adopted Helm release web in namespace " + ns + " (revision 1, "
        + "hello-0.1.0), which was installed by another client");
    assertThat(operator.logged(ns, "web", "Adopting Helm release web (revision 1, hello-0.1.0")).isNotEmpty();
    List<Secret> revisions = revisions(ns, "web");
    assertThat(revisions).hasSize(2);
    assertThat(revisions.get(1).getMetadata().getLabels()).containsEntry("helmop.io/owner-name", "web");

    // what Helm itself does with the marks: a `helm upgrade` by hand keeps them on its new revision (Helm 3.13+)
    cluster.helm("upgrade", "web", "hello", "--repo", repository.url(), "--version", "0.1.0", "-n", ns,
        "--reuse-values").orFail();
    Map<String, String> byHand = revisions(ns, "web").get(2).getMetadata().getLabels();
    System.out.println("labels of a revision made by `helm upgrade` after helmop: " + byHand);
    assertThat(byHand).containsEntry("helmop.io/owner-name", "web");
  }

  @Test
  void aDependentInAnotherNamespaceDoesNotHoldTheDeletionOfItsDependency() {
    String foundation = namespace("own-dep");
    String other = namespace("own-dep-other");
    apply(cluster, helmRelease(foundation, "base", repository.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/base", "-n", foundation, "--timeout=180s")
        .orFail();
    apply(cluster, helmRelease(other, "app", repository.url(), "0.1.0",
        "dependsOn: [{name: base, namespace: " + foundation + "}]"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/app", "-n", other, "--timeout=180s").orFail();

    cluster.kubectl("delete", "helmrelease/base", "-n", foundation, "--wait=true", "--timeout=90s").orFail();

    assertThat(revisions(foundation, "base")).as("uninstalled").isEmpty();
    assertThat(cluster.helm("status", "app", "-n", other).orFail().output()).contains("STATUS: deployed");
  }

  /** Helm's records of a release, oldest first. */
  static List<Secret> revisions(String namespace, String release) {
    return cluster.client().secrets().inNamespace(namespace).withLabels(Map.of("owner", "helm", "name", release))
        .list().getItems().stream()
        .sorted(Comparator.comparingInt(s -> Integer.parseInt(s.getMetadata().getLabels().get("version"))))
        .toList();
  }

  /** A user who may manage HelmReleases in {@code namespace} and nothing else, as a platform team grants. */
  static void grantHelmReleases(String namespace, String user) {
    cluster.kubectlWithInput("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: helmrelease-editor}
        rules:
          - apiGroups: [helmop.io]
            resources: [helmreleases]
            verbs: [get, list, watch, create, update, patch, delete]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: helmrelease-editor}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: helmrelease-editor}
        subjects:
          - {apiGroup: rbac.authorization.k8s.io, kind: User, name: %s}
        """.formatted(user), "apply", "-n", namespace, "-f", "-").orFail();
  }

  /** A condition's status, "" when absent. */
  static String status(HelmRelease release, String type) {
    return condition(release, type).map(Condition::getStatus).orElse("");
  }
}
