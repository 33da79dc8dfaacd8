package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.Command;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lockdown as a platform team sets it up (docs/tenancy.md): the operator runs with the rights the operator's chart
 * grants with operator.defaultServiceAccount set (HelmReleases, Events, its Lease, impersonating ServiceAccounts:
 * nothing else), and with --default-service-account=helmop-release. A tenant user (tenant-a) may only write
 * HelmReleases in its namespace, where the platform team made the ServiceAccount helmop-release and bound it to
 * the built-in `edit` ClusterRole. The tenant acts with `kubectl --as=tenant-a`, as it would.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class TenancyIT {
  static final String TENANT_USER = "tenant-a";
  static final String RELEASE_ACCOUNT = "helmop-release";
  static final String OTHER_TEAMS_PASSWORD = "other-teams-db-password-4711";

  static LocalCluster cluster;
  static ChartRepository repository;
  static OperatorProcess operator;
  static String operatorNamespace;
  static String tenant;
  static String otherTeam;

  @BeforeAll
  static void lockdown() throws IOException {
    cluster = LocalCluster.get();
    operatorNamespace = cluster.createNamespace("helmop-lockdown");
    tenant = cluster.createNamespace("tenant-a");
    otherTeam = cluster.createNamespace("other-team");
    Path charts = Files.createTempDirectory("tenancy-charts-");
    repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0")
        .publish(chart(charts, "escalate", Map.of("crb.yaml", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: {{ .Release.Namespace }}-is-cluster-admin}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: helmop-release, namespace: {{ .Release.Namespace }}}]
            """, "cm.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: {{ .Release.Name }}-settings}
            data: {mode: escalate}
            """)), "0.1.0", "1.0.0")
        .publish(chart(charts, "peek", Map.of("cm.yaml", """
            {{- $secret := lookup "v1" "Secret" .Values.from "db" }}
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: {{ .Release.Name }}-copied}
            data:
              password: {{ if $secret }}{{ index $secret.data "password" | quote }}{{ else }}""{{ end }}
            """)), "0.1.0", "1.0.0");

    // the operator's own rights: exactly what its chart grants in lockdown
    String fullname = operatorNamespace; // cluster-wide names unique to this run
    String rbac = cluster.helm("template", "helmop", cluster.repo().resolve("helm/helmop").toString(), "-n",
        operatorNamespace, "--set", "fullnameOverride=" + fullname, "--set",
        "operator.defaultServiceAccount=" + RELEASE_ACCOUNT, "--show-only", "templates/serviceaccount.yaml",
        "--show-only", "templates/clusterrole.yaml", "--show-only", "templates/clusterrolebinding.yaml",
        "--show-only", "templates/leader-election-rbac.yaml").orFail().output();
    cluster.kubectlWithInput(rbac, "apply", "-n", operatorNamespace, "-f", "-").orFail();
    Path kubeconfig = serviceAccountKubeconfig(operatorNamespace, fullname, charts.resolve("operator.kubeconfig"));

    // the platform team's per-tenant set-up: the tenant writes HelmReleases; its releases act as helmop-release
    cluster.kubectl("create", "role", "helmrelease-author", "-n", tenant, "--verb=*",
        "--resource=helmreleases.helmop.io").orFail();
    cluster.kubectl("create", "rolebinding", "tenant-a-authors", "-n", tenant, "--role=helmrelease-author",
        "--user=" + TENANT_USER).orFail();
    cluster.kubectl("create", "serviceaccount", RELEASE_ACCOUNT, "-n", tenant).orFail();
    cluster.kubectl("create", "rolebinding", RELEASE_ACCOUNT + "-edit", "-n", tenant, "--clusterrole=edit",
        "--serviceaccount=" + tenant + ":" + RELEASE_ACCOUNT).orFail();
    // another team's secret, which a tenant's chart must not read
    cluster.kubectl("create", "secret", "generic", "db", "-n", otherTeam,
        "--from-literal=password=" + OTHER_TEAMS_PASSWORD).orFail();

    operator = OperatorProcess.start(cluster, Map.of("KUBECONFIG", kubeconfig.toString(),
        "HELMOP_LOG_LEVEL", "DEBUG", "HELMOP_LEASE_NAME", fullname, "HELMOP_LEASE_NAMESPACE", operatorNamespace),
        "--default-service-account", RELEASE_ACCOUNT);
    await().atMost(Duration.ofMinutes(1)).until(() -> operator.log().contains("helmop started"));
  }

  @AfterAll
  static void cleanUp() {
    try {
      if (operator != null && tenant != null) { // uninstalled as the tenant's ServiceAccount, while it runs
        cluster.kubectl("delete", "helmreleases", "--all", "-n", tenant, "--wait=true", "--timeout=120s");
      }
    } finally {
      if (operator != null) {
        operator.close();
      }
      if (repository != null) {
        repository.close();
      }
      if (operatorNamespace != null) {
        cluster.kubectl("delete", "clusterrole,clusterrolebinding", operatorNamespace, "--ignore-not-found");
      }
      cluster.deleteTestNamespaces();
    }
  }

  @Test
  void theOperatorItselfMayNeitherReadSecretsNorCreateWorkloads() {
    String operatorAccount = "system:serviceaccount:" + operatorNamespace + ":" + operatorNamespace;
    for (List<String> action : List.of(List.of("get", "secrets"), List.of("list", "secrets"),
        List.of("create", "deployments"), List.of("create", "clusterrolebindings"), List.of("get", "configmaps"))) {
      assertThat(cluster.kubectl("auth", "can-i", action.get(0), action.get(1), "-n", tenant,
          "--as=" + operatorAccount).output().strip()).as("%s may %s", operatorAccount, action).endsWith("no");
    }
    assertThat(cluster.kubectl("auth", "can-i", "impersonate", "serviceaccounts/" + RELEASE_ACCOUNT, "-n", tenant,
        "--as=" + operatorAccount).output().strip()).isEqualTo("yes");
  }

  @Test
  void aChartBindingItsServiceAccountToClusterAdminIsRefusedAndNothingIsInstalled() {
    actAsTenant(helmRelease(tenant, "escalate", repository.url(), "escalate", "0.1.0", ""));

    Condition ready = awaitReadyFalse("escalate", "Forbidden");

    assertThat(ready.getMessage()).contains("ServiceAccount " + tenant + "/" + RELEASE_ACCOUNT,
        "clusterrolebindings.rbac.authorization.k8s.io", "at the cluster scope", "ClusterRoleBinding");
    System.out.println("escalate: Ready=False Forbidden: " + ready.getMessage());
    assertThat(cluster.kubectl("get", "clusterrolebinding", tenant + "-is-cluster-admin").exitCode())
        .as("no ClusterRoleBinding was made").isNotZero();
    assertThat(cluster.helm("list", "-n", tenant, "-a", "-q").orFail().output()).doesNotContain("escalate");
    assertThat(cluster.kubectl("get", "configmap", "escalate-settings", "-n", tenant).exitCode())
        .as("nothing of the chart was installed").isNotZero();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events("escalate"))
        .filteredOn(e -> "Forbidden".equals(e.getReason())).hasSize(1));
  }

  @Test
  void aTargetNamespaceTheTenantMayNotWriteIsRefused() {
    actAsTenant(helmRelease(tenant, "intruder", repository.url(), "0.1.0", "targetNamespace: kube-system"));

    Condition ready = awaitReadyFalse("intruder", "Forbidden");

    assertThat(ready.getMessage()).contains("ServiceAccount " + tenant + "/" + RELEASE_ACCOUNT,
        "in namespace kube-system");
    System.out.println("intruder: Ready=False Forbidden: " + ready.getMessage());
    assertThat(cluster.helm("list", "-n", "kube-system", "-a", "-q").orFail().output()).doesNotContain("intruder");
    assertThat(cluster.kubectl("get", "deployments", "-n", "kube-system", "-o", "name").orFail().output())
        .doesNotContain("hello");
  }

  @Test
  void aTemplateLookupCannotReadAnotherNamespacesSecret() {
    // what the same chart gets with the operator's former rights (an admin's Helm): the other team's password
    String encoded = Base64.getEncoder().encodeToString(OTHER_TEAMS_PASSWORD.getBytes(StandardCharsets.UTF_8));
    Command.Result privileged = cluster.helm("install", "peek-control", repository.url() + "/peek-0.1.0.tgz",
        "-n", tenant, "--set", "from=" + otherTeam, "--dry-run=server");
    assertThat(privileged.orFail().output()).as("an admin's render copies it").contains(encoded);

    actAsTenant(helmRelease(tenant, "peek", repository.url(), "peek", "0.1.0", "values: {from: " + otherTeam
        + "}"));

    // the preflight's render looks up as an identity that may not read it: nothing renders, nothing installs
    Condition ready = awaitReadyFalse("peek", "RenderFailed");
    System.out.println("peek: Ready=False RenderFailed: " + ready.getMessage());
    assertThat(ready.getMessage()).contains("error calling lookup", "cannot get resource \"secrets\"",
        "in the namespace \"" + otherTeam + "\"");
    assertThat(cluster.helm("list", "-n", tenant, "-a", "-q").orFail().output()).doesNotContain("peek");
    assertThat(cluster.kubectl("get", "configmaps", "-n", tenant, "-o", "yaml").orFail().output())
        .doesNotContain(encoded).doesNotContain(OTHER_TEAMS_PASSWORD);
    assertThat(cluster.kubectl("get", "helmrelease", "peek", "-n", tenant, "-o", "yaml").orFail().output())
        .doesNotContain(encoded).doesNotContain(OTHER_TEAMS_PASSWORD);
  }

  @Test
  void aNormalChartInstallsAsTheServiceAccountAndItsDriftIsStillCorrected() {
    actAsTenant(helmRelease(tenant, "web", repository.url(), "0.1.0",
        "interval: 5s\nvalues: {fullnameOverride: web, message: from tenant-a}"));

    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", tenant, "--timeout=180s").orFail();
    assertThat(cluster.kubectl("get", "configmap", "web", "-n", tenant, "-o", "jsonpath={.data.message}")
        .orFail().output()).isEqualTo("from tenant-a");

    // someone edits the release's ConfigMap; the operator, which may not touch ConfigMaps itself, puts it back
    cluster.kubectl("patch", "configmap", "web", "-n", tenant, "--type=merge", "-p",
        "{\"data\":{\"message\":\"edited by hand\"}}").orFail();
    long edited = System.nanoTime();
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250)).until(() -> cluster.kubectl("get",
        "configmap", "web", "-n", tenant, "-o", "jsonpath={.data.message}").orFail().output()
        .equals("from tenant-a"));
    System.out.printf("drift corrected as %s/%s %d ms after the edit%n", tenant, RELEASE_ACCOUNT,
        (System.nanoTime() - edited) / 1_000_000);
    assertThat(cluster.helm("history", "web", "-n", tenant, "-o", "json").orFail().output())
        .as("corrected without a new Helm revision").doesNotContain("\"revision\":2");
  }

  @Test
  void aReleaseNamingAServiceAccountActsAsThatOneNotTheDefault() {
    // a read-only account of the namespace: the release may look, not write
    cluster.kubectl("create", "serviceaccount", "reader", "-n", tenant).orFail();
    cluster.kubectl("create", "rolebinding", "reader-view", "-n", tenant, "--clusterrole=view",
        "--serviceaccount=" + tenant + ":reader").orFail();

    actAsTenant(helmRelease(tenant, "readonly", repository.url(), "0.1.0",
        "serviceAccountName: reader\nvalues: {fullnameOverride: readonly}"));
    actAsTenant(helmRelease(tenant, "ghost", repository.url(), "0.1.0",
        "serviceAccountName: nobody\nvalues: {fullnameOverride: ghost}"));

    Condition readonly = awaitReadyFalse("readonly", "Forbidden");
    assertThat(readonly.getMessage()).contains("ServiceAccount " + tenant + "/reader may not")
        .doesNotContain(RELEASE_ACCOUNT);
    Condition ghost = awaitReadyFalse("ghost", "Forbidden");
    assertThat(ghost.getMessage()).contains("ServiceAccount " + tenant + "/nobody may not");
    assertThat(cluster.helm("list", "-n", tenant, "-a", "-q").orFail().output())
        .doesNotContain("readonly").doesNotContain("ghost");
  }

  @Test
  void anEditOfAValuesFromConfigMapIsSeenThroughTheServiceAccountsWatch() {
    // the operator may not read ConfigMaps: only a watch with the ServiceAccount's rights sees the edit
    cluster.kubectl("create", "configmap", "shared-values", "-n", tenant, "--from-literal=values.yaml=message: first")
        .orFail();
    actAsTenant(helmRelease(tenant, "watched", repository.url(), "0.1.0", """
        interval: 1h
        valuesFrom: [{kind: ConfigMap, name: shared-values}]
        values: {fullnameOverride: watched}"""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/watched", "-n", tenant, "--timeout=180s")
        .orFail();

    editValuesAndAwaitTheUpgrade("shared-values", "watched");
  }

  @Test
  void aServiceAccountThatMayReadOnlyItsOwnConfigMapStillHasItsEditsWatched() {
    // may install the chart, and list and watch one ConfigMap by name, not the namespace's ConfigMaps
    cluster.kubectlWithInput("""
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: narrow}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: narrow}
        rules:
        - {apiGroups: [""], resources: [secrets, services, pods, endpoints], verbs: ["*"]}
        - {apiGroups: [apps], resources: [deployments, replicasets], verbs: ["*"]}
        - {apiGroups: [""], resources: [configmaps], verbs: [get, create, update, patch, delete]}
        - {apiGroups: [""], resources: [configmaps], resourceNames: [narrow-values], verbs: [list, watch]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: narrow}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: narrow}
        subjects: [{kind: ServiceAccount, name: narrow}]
        """, "apply", "-n", tenant, "-f", "-").orFail();
    cluster.kubectl("create", "configmap", "narrow-values", "-n", tenant, "--from-literal=values.yaml=message: first")
        .orFail();
    actAsTenant(helmRelease(tenant, "narrow", repository.url(), "0.1.0", """
        interval: 1h
        serviceAccountName: narrow
        valuesFrom: [{kind: ConfigMap, name: narrow-values}]
        values: {fullnameOverride: narrow}"""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/narrow", "-n", tenant, "--timeout=180s")
        .orFail();

    editValuesAndAwaitTheUpgrade("narrow-values", "narrow");
    String fallback = "system:serviceaccount:" + tenant + ":narrow may not list and watch ConfigMaps in namespace "
        + tenant;
    assertThat(operator.log().lines().filter(line -> line.contains(fallback)).count()).as(fallback).isEqualTo(1);
  }

  /** The release's interval is an hour: only a watch of the ConfigMap brings this upgrade. */
  private static void editValuesAndAwaitTheUpgrade(String configMap, String release) {
    cluster.kubectl("patch", "configmap", configMap, "-n", tenant, "--type=merge", "-p",
        "{\"data\":{\"values.yaml\":\"message: second\"}}").orFail();
    await().atMost(Duration.ofSeconds(90)).until(() -> Integer.valueOf(2)
        .equals(get(cluster, tenant, release).getStatus().getLastAppliedRevision()));
    assertThat(cluster.kubectl("get", "configmap", release, "-n", tenant, "-o", "jsonpath={.data.message}")
        .orFail().output()).isEqualTo("second");
  }

  private static void actAsTenant(String helmRelease) {
    cluster.kubectlWithInput(helmRelease, "apply", "--as=" + TENANT_USER, "-f", "-").orFail();
  }

  private static Condition awaitReadyFalse(String name, String reason) {
    await().atMost(Duration.ofMinutes(2)).until(() -> condition(get(cluster, tenant, name), "Ready")
        .map(c -> "False".equals(c.getStatus()) && reason.equals(c.getReason())).orElse(false));
    return condition(get(cluster, tenant, name), "Ready").orElseThrow();
  }

  private static List<Event> events(String name) {
    return cluster.client().v1().events().inNamespace(tenant).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())
            && "HelmRelease".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  /** A kubeconfig with a token of the ServiceAccount (the operator's, as its pod would have it). */
  private static Path serviceAccountKubeconfig(String namespace, String account, Path file) {
    String server = cluster.kubectl("config", "view", "--raw", "--minify", "-o",
        "jsonpath={.clusters[0].cluster.server}").orFail().output().strip();
    String ca = cluster.kubectl("config", "view", "--raw", "--minify", "-o",
        "jsonpath={.clusters[0].cluster.certificate-authority-data}").orFail().output().strip();
    String token = cluster.kubectl("create", "token", account, "-n", namespace, "--duration=2h").orFail().output()
        .strip();
    try {
      Files.writeString(file, """
          apiVersion: v1
          kind: Config
          clusters: [{name: local, cluster: {server: "%s", certificate-authority-data: "%s"}}]
          users: [{name: helmop, user: {token: "%s"}}]
          contexts: [{name: helmop, context: {cluster: local, user: helmop}}]
          current-context: helmop
          """.formatted(server, ca, token));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path chart(Path root, String name, Map<String, String> templates) {
    try {
      Path dir = Files.createDirectories(root.resolve(name).resolve("templates"));
      Files.writeString(dir.getParent().resolve("Chart.yaml"), "apiVersion: v2\nname: " + name
          + "\nversion: 0.1.0\n");
      for (var template : templates.entrySet()) {
        Files.writeString(dir.resolve(template.getKey()), template.getValue());
      }
      return dir.getParent();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
