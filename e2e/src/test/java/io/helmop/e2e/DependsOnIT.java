package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed article's trap 1, made declarative: the payment-service's pre-install migration hook needs the
 * Secret that a separate "foundation" release creates, so the foundation must be Ready first.
 */
class DependsOnIT extends OperatorTest {
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/payments-foundation"), "1.0.0", "1.0.0")
        .publish(cluster.repo().resolve("examples/charts/payment-service"), "1.4.2", "2.8.0")
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0"));
  }

  /** Foundation and app in one namespace, both applied at once, both Ready. */
  static void installBoth(String ns) {
    apply(cluster, foundation(ns, "") + "---\n" + app(ns, ns, ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/payment-service", "-n", ns, "--timeout=180s")
        .orFail();
  }

  static String foundation(String ns, String extra) {
    return helmRelease(ns, "payments-foundation", repository.url(), "payments-foundation", "1.0.0", extra);
  }

  static String app(String ns, String foundationNs, String extra) {
    return helmRelease(ns, "payment-service", repository.url(), "payment-service", "1.4.x", """
        dependsOn:
        - name: payments-foundation
          namespace: %s
        %s""".formatted(foundationNs, extra));
  }

  @Test
  void appAppliedBeforeItsFoundationWaitsAndItsMigrationRunsAfterTheSecretExists() {
    String platform = namespace("platform");
    String payments = namespace("payments");

    apply(cluster, app(payments, platform, ""));
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, payments, "payment-service"), "Ready")
        .map(c -> "DependencyNotFound".equals(c.getReason())).orElse(false));
    HelmRelease waiting = get(cluster, payments, "payment-service");
    assertThat(condition(waiting, "Ready").orElseThrow().getMessage()).contains(platform + "/payments-foundation");
    assertThat(condition(waiting, "Reconciling").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(cluster.helm("list", "-n", payments, "-q").orFail().output()).doesNotContain("payment-service");

    apply(cluster, foundation(platform, ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/payment-service", "-n", payments,
        "--timeout=180s").orFail();

    assertMigrationRanAfterTheSecretExisted(platform, payments, 1);
    cluster.kubectl("wait", "--for=condition=Available", "deployment/payment-service", "-n", payments,
        "--timeout=60s").orFail();
  }

  @Test
  void foundationAppliedFirstAlsoConverges() {
    String platform = namespace("platform");
    String payments = namespace("payments");
    apply(cluster, foundation(platform, "") + "---\n" + app(payments, platform, ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/payment-service", "-n", payments,
        "--timeout=180s").orFail();
    assertMigrationRanAfterTheSecretExisted(platform, payments, 1);
  }

  @Test
  void whenBothChangeTogetherTheAppUpgradesOnlyAfterTheFoundationsNewGenerationIsReady() {
    String ns = namespace("together");
    installBoth(ns);

    // one Git commit changing both, applied app first: the worst order
    apply(cluster, app(ns, ns, "values: {replicaCount: 3}") + "---\n"
        + foundation(ns, "values: {credentialsVersion: \"2\"}"));
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      HelmRelease app = get(cluster, ns, "payment-service");
      return app.getStatus().getObservedGeneration() == 2L && hasCondition(app, "Ready", "True");
    });
    Instant foundationReady = operator.logged(ns, "payments-foundation", "revision 2 (").get(0);
    Instant appUpgradeStarted = operator.logged(ns, "payment-service", "Upgrading chart").get(0);
    assertThat(appUpgradeStarted).isAfter(foundationReady);
    // and Helm agrees: the app's migration hook ran after the foundation's upgrade began
    assertThat(hookStarted(HelmStorage.release(cluster, ns, "payment-service", 2)))
        .isAfter(lastDeployed(HelmStorage.release(cluster, ns, "payments-foundation", 2)));
  }

  @Test
  void aCycleStallsEveryMemberAndInstallsNone() {
    String a = namespace("cycle-a");
    String b = namespace("cycle-b");
    apply(cluster, helmRelease(a, "first", repository.url(), "0.1.0", """
        dependsOn: [{name: second, namespace: %s}]""".formatted(b)));
    apply(cluster, helmRelease(b, "second", repository.url(), "0.1.0", """
        dependsOn: [{name: first, namespace: %s}]""".formatted(a)));

    await().atMost(Duration.ofMinutes(1)).until(() -> hasCondition(get(cluster, a, "first"), "Stalled", "True")
        && hasCondition(get(cluster, b, "second"), "Stalled", "True"));
    assertThat(condition(get(cluster, a, "first"), "Ready").orElseThrow().getMessage())
        .contains(a + "/first -> " + b + "/second -> " + a + "/first");
    assertThat(condition(get(cluster, b, "second"), "Ready").orElseThrow().getReason()).isEqualTo("DependencyCycle");
    assertThat(cluster.helm("list", "-A", "-q").orFail().output()).doesNotContain("first", "second");
  }

  @Test
  void selfEmptyAndDuplicateEntriesAreRejectedByName() {
    String ns = namespace("invalid");
    apply(cluster, helmRelease(ns, "selfish", repository.url(), "0.1.0", "dependsOn: [{name: selfish}]"));
    apply(cluster, helmRelease(ns, "blank", repository.url(), "0.1.0", "dependsOn: [{name: \"\"}]"));
    apply(cluster, helmRelease(ns, "twice", repository.url(), "0.1.0",
        "dependsOn: [{name: base}, {name: base, namespace: %s}]".formatted(ns)));
    for (String name : new String[] {"selfish", "blank", "twice"}) {
      await().atMost(Duration.ofMinutes(1)).until(() -> hasCondition(get(cluster, ns, name), "Stalled", "True"));
      assertThat(condition(get(cluster, ns, name), "Ready").orElseThrow().getReason()).isEqualTo("InvalidSpec");
    }
    assertThat(condition(get(cluster, ns, "selfish"), "Ready").orElseThrow().getMessage())
        .contains("spec.dependsOn[0]", "itself");
    assertThat(condition(get(cluster, ns, "blank"), "Ready").orElseThrow().getMessage())
        .contains("spec.dependsOn[0]", "empty name");
    assertThat(condition(get(cluster, ns, "twice"), "Ready").orElseThrow().getMessage())
        .contains("spec.dependsOn[1]", "twice");
  }

  @Test
  void aFoundationIsUninstalledOnlyAfterItsDependentsAreGone() {
    String ns = namespace("teardown");
    installBoth(ns);

    cluster.kubectl("delete", "helmrelease", "payments-foundation", "-n", ns, "--wait=false").orFail();
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "payments-foundation"), "Ready")
        .map(c -> "DependentsExist".equals(c.getReason())).orElse(false));
    assertThat(condition(get(cluster, ns, "payments-foundation"), "Ready").orElseThrow().getMessage())
        .contains(ns + "/payment-service", "helmop.io/ignore-dependents");
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).contains("payments-foundation");

    cluster.kubectl("delete", "helmrelease", "payment-service", "-n", ns, "--timeout=120s").orFail();
    cluster.kubectl("wait", "--for=delete", "helmrelease/payments-foundation", "-n", ns, "--timeout=60s").orFail();
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).isBlank();
    Instant appGone = uninstalledAt(ns, "payment-service");
    Instant foundationGone = uninstalledAt(ns, "payments-foundation");
    assertThat(foundationGone).isAfterOrEqualTo(appGone);
  }

  @Test
  void theIgnoreDependentsAnnotationForcesRemoval() {
    String ns = namespace("forced");
    installBoth(ns);
    cluster.kubectl("annotate", "helmrelease", "payments-foundation", "-n", ns,
        "helmop.io/ignore-dependents=true").orFail();
    cluster.kubectl("delete", "helmrelease", "payments-foundation", "-n", ns, "--timeout=120s").orFail();
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).doesNotContain("payments-foundation")
        .contains("payment-service");
  }

  private void assertMigrationRanAfterTheSecretExisted(String platform, String payments, int revision) {
    Secret secret = cluster.client().secrets().inNamespace(platform).withName("payment-service-db-creds").get();
    assertThat(secret).as("the foundation's Secret").isNotNull();
    JsonNode record = HelmStorage.release(cluster, payments, "payment-service", revision);
    JsonNode migration = record.path("hooks").get(0);
    assertThat(migration.path("name").asText()).isEqualTo("payment-service-migration-" + revision);
    assertThat(migration.path("last_run").path("phase").asText()).isEqualTo("Succeeded");
    Instant secretCreated = Instant.parse(secret.getMetadata().getCreationTimestamp());
    // creationTimestamp has whole seconds: the hook started in that second or later
    assertThat(Instant.parse(migration.path("last_run").path("started_at").asText()))
        .isAfterOrEqualTo(secretCreated);
  }

  private static Instant lastDeployed(JsonNode record) {
    return Instant.parse(record.path("info").path("last_deployed").asText());
  }

  private static Instant hookStarted(JsonNode record) {
    return Instant.parse(record.path("hooks").get(0).path("last_run").path("started_at").asText());
  }

  private static Instant uninstalledAt(String ns, String name) {
    return events(ns, name).stream()
        .filter(e -> "Uninstalled".equals(e.getReason()))
        .map(Event::getLastTimestamp).map(Instant::parse).max(Comparator.naturalOrder())
        .orElseThrow(() -> new AssertionError("no Uninstalled event for " + name));
  }
}
