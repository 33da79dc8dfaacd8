package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Atomic by default, with limits: an upgrade whose pods never become ready, or whose migration hook fails, is
 * rolled back and the last good revision keeps serving; after spec.upgrade.retries more attempts helmop stops
 * (Stalled, RetriesExhausted) until the spec or the values change.
 */
class AtomicUpgradeIT extends OperatorTest {
  static ChartRepository repository;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/ledger-service"), "1.0.0", "1.0.0"));
  }

  static String ledger(String ns, String extraSpec, String values) {
    return helmRelease(ns, "ledger", repository.url(), "ledger-service", "1.0.0", """
        %s
        values:
        %s""".formatted(extraSpec, values.indent(2).stripTrailing()));
  }

  @Test
  void upgradeThatNeverBecomesReadyIsRolledBackRetriedThenStalledUntilTheValuesChange() throws Exception {
    String ns = namespace("atomic");
    String options = "interval: 5s\nupgrade: {timeout: 15s, retries: 1}";
    installThenUpgradeToPodsThatNeverBecomeReady(ns, options);
    await().atMost(Duration.ofMinutes(4)).until(() -> hasCondition(get(cluster, ns, "ledger"), "Stalled", "True"));
    Instant stalledSeen = Instant.now();

    HelmRelease stalled = get(cluster, ns, "ledger");
    var ready = condition(stalled, "Ready").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("RetriesExhausted");
    assertThat(ready.getMessage()).contains("failed 2 times").contains("spec.upgrade.retries=1")
        .contains("Deployment " + ns + "/ledger-service to become ready");
    var released = condition(stalled, "Released").orElseThrow();
    assertThat(released.getReason()).isEqualTo("UpgradeFailed");
    assertThat(released.getMessage()).contains("rolled back").contains("Deployment " + ns + "/ledger-service")
        .contains("The last good revision keeps serving");
    assertThat(stalled.getStatus().getLastAttempt().getFailures()).isEqualTo(2);
    assertThat(stalled.getStatus().getLastAppliedRevision()).isEqualTo(1);
    awaitEvents(ns, "ledger", "UpgradeFailed", "RetriesExhausted");

    // Helm's history: two failed attempts, each rolled back to revision 1's content by Helm's atomic mode
    JsonNode history = helmHistory(ns);
    assertThat(history).extracting(h -> h.path("status").asText())
        .containsExactly("superseded", "failed", "superseded", "failed", "deployed");
    assertThat(history.get(2).path("description").asText()).contains("Rollback to 1");
    assertThat(history.get(4).path("description").asText()).contains("Rollback to 3"); // 3 is revision 1 again
    // the old revision keeps serving: revision 1's pod template, available; cleanup removed the new ConfigMap
    Deployment deployment = cluster.client().apps().deployments().inNamespace(ns).withName("ledger-service").get();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("ledger.example.com/message", "one");
    assertThat(deployment.getSpec().getTemplate().getSpec().getSchedulingGates()).isNullOrEmpty();
    cluster.kubectl("wait", "--for=condition=Available", "deployment/ledger-service", "-n", ns, "--timeout=60s")
        .orFail();
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("ledger-service-extra").get()).isNull();

    // stalled means no more Helm calls: a later reconcile (the 5 s interval's) leaves history and status alone
    String resourceVersion = stalled.getMetadata().getResourceVersion();
    awaitReconciledSince(ns, "ledger", stalledSeen, 1);
    assertThat(helmHistory(ns)).hasSize(5);
    assertThat(get(cluster, ns, "ledger").getMetadata().getResourceVersion()).isEqualTo(resourceVersion);

    // a change of the values resets the count: the fixed upgrade goes through
    apply(cluster, ledger(ns, options, "message: three"));
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      HelmRelease r = get(cluster, ns, "ledger");
      return r.getStatus().getObservedGeneration() == 3L && hasCondition(r, "Ready", "True");
    });
    HelmRelease fixed = get(cluster, ns, "ledger");
    assertThat(fixed.getStatus().getLastAppliedRevision()).isEqualTo(6);
    assertThat(fixed.getStatus().getLastAttempt().getFailures()).isZero();
    assertThat(condition(fixed, "Stalled").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void installWhoseMigrationHookFailsIsUninstalledAndNamesTheHook() {
    String ns = namespace("hookfail");
    // the migration's pod can never be scheduled: the Job fails at its 5 s deadline (DeadlineExceeded)
    apply(cluster, ledger(ns, "install: {retries: 0}\nupgrade: {timeout: 1m}", """
        migration: {activeDeadlineSeconds: 5, schedulingGates: [{name: example.com/never}]}"""));
    await().atMost(Duration.ofMinutes(3)).until(() -> hasCondition(get(cluster, ns, "ledger"), "Stalled", "True"));

    HelmRelease failed = get(cluster, ns, "ledger");
    assertThat(condition(failed, "Ready").orElseThrow().getReason()).isEqualTo("RetriesExhausted");
    var released = condition(failed, "Released").orElseThrow();
    assertThat(released.getReason()).isEqualTo("InstallFailed");
    assertThat(released.getMessage()).contains("job ledger-service-migration-1 failed: DeadlineExceeded");
    assertThat(awaitEvents(ns, "ledger", "InstallFailed")).filteredOn(e -> "InstallFailed".equals(e.getReason()))
        .allSatisfy(e -> assertThat(e.getMessage()).contains("ledger-service-migration-1"));
    // atomic install: nothing left installed but the failed hook Job, kept for debugging (no hook-failed policy)
    assertThat(cluster.helm("list", "-n", ns, "-a", "-q").orFail().output()).isBlank();
    assertThat(cluster.client().apps().deployments().inNamespace(ns).withName("ledger-service").get()).isNull();
    assertThat(cluster.client().batch().v1().jobs().inNamespace(ns).withName("ledger-service-migration-1").get()
        .getStatus().getConditions()).anySatisfy(c -> assertThat(c.getReason()).isEqualTo("DeadlineExceeded"));
  }

  @Test
  void aHookThatNeverFinishesIsBoundedByTheTimeoutAndNamed() {
    String ns = namespace("hookhang");
    // no activeDeadlineSeconds and a pod that never runs: only Helm's timeout ends the wait
    apply(cluster, ledger(ns, "install: {retries: 0}\nupgrade: {timeout: 10s}", """
        migration: {activeDeadlineSeconds: 0, schedulingGates: [{name: example.com/never}]}"""));
    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "ledger"), "Stalled", "True"));

    var released = condition(get(cluster, ns, "ledger"), "Released").orElseThrow();
    assertThat(released.getReason()).isEqualTo("InstallFailed");
    assertThat(released.getMessage()).contains("failed pre-install: timed out waiting for the condition "
        + "(Helm was waiting for hook Job ledger-service-migration-1 to complete)");
    assertThat(cluster.helm("list", "-n", ns, "-a", "-q").orFail().output()).isBlank();
    // why the checklist wants activeDeadlineSeconds: Helm gave up, the Job did not
    assertThat(cluster.client().batch().v1().jobs().inNamespace(ns).withName("ledger-service-migration-1").get()
        .getStatus().getConditions()).isNullOrEmpty();
  }

  @Test
  void aNewGenerationStopsTheUpgradeThatIsWaitingInsteadOfWaitingForItsTimeout() throws Exception {
    String ns = namespace("superseded");
    String options = "upgrade: {timeout: 5m}";
    // generation 2 can never become ready: Helm would wait the whole 5 minutes before rolling back
    installThenUpgradeToPodsThatNeverBecomeReady(ns, options);
    await().atMost(Duration.ofMinutes(2)).until(() -> "pending-upgrade".equals(HelmStorage.status(cluster, ns,
        "ledger", 2)) && !podTemplate(ns).getSpec().getSchedulingGates().isEmpty()); // Helm applied revision 2, waits

    // the fix arrives while Helm waits
    long applied = System.nanoTime();
    apply(cluster, ledger(ns, options, "message: three"));
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      HelmRelease r = get(cluster, ns, "ledger");
      return r.getStatus().getObservedGeneration() == 3L && hasCondition(r, "Ready", "True");
    });
    System.out.printf("superseded upgrade: generation 3 Ready %d ms after it was applied (the stopped upgrade "
        + "would have waited 5 min)%n", (System.nanoTime() - applied) / 1_000_000);

    JsonNode history = helmHistory(ns);
    assertThat(history).extracting(h -> h.path("status").asText())
        .containsExactly("superseded", "failed", "deployed");
    assertThat(history.get(1).path("description").asText()).contains("stopped");
    assertThat(get(cluster, ns, "ledger").getStatus().getLastAppliedRevision()).isEqualTo(3);
    // nothing of the stopped revision is left: no gate on the pods, no ConfigMap only it created
    assertThat(podTemplate(ns).getSpec().getSchedulingGates()).isNullOrEmpty();
    assertThat(podTemplate(ns).getMetadata().getAnnotations()).containsEntry("ledger.example.com/message", "three");
    cluster.kubectl("rollout", "status", "deployment/ledger-service", "-n", ns, "--timeout=60s").orFail();
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("ledger-service-extra").get()).isNull();
    assertThat(awaitEvents(ns, "ledger", "Superseded")).filteredOn(e -> "Superseded".equals(e.getReason()))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains("stopped the upgrade of release ledger")
            .contains("Revision 2 is marked failed"));
  }

  /**
   * Revision 1 (message one) installed and Ready, then generation 2 applied: message two, an extra ConfigMap,
   * and pods gated by a scheduling gate nobody removes, so they never become ready.
   */
  private static void installThenUpgradeToPodsThatNeverBecomeReady(String ns, String options) {
    apply(cluster, ledger(ns, options, "message: one"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();
    apply(cluster, ledger(ns, options, """
        message: two
        extraConfigMap: true
        schedulingGates: [{name: example.com/never}]"""));
  }

  private static io.fabric8.kubernetes.api.model.PodTemplateSpec podTemplate(String ns) {
    return cluster.client().apps().deployments().inNamespace(ns).withName("ledger-service").get().getSpec()
        .getTemplate();
  }

  private static JsonNode helmHistory(String ns) throws Exception {
    return JSON.readTree(cluster.helm("history", "ledger", "-n", ns, "-o", "json").orFail().output());
  }
}
