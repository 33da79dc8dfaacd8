package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
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
 * spec.test: the chart's test hooks run after a successful install and upgrade (`helm test`), the TestSuccess
 * condition says how they went, and a failed test is a failed upgrade (rolled back) unless spec.test
 * .ignoreFailures. The fixture's test is a Job that passes, or fails at its deadline (see its template).
 */
class HelmTestsIT extends OperatorTest {
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/tested"), "1.0.0", "1.0.0"));
  }

  static String tested(String ns, String spec) {
    return helmRelease(ns, "app", repository.url(), "tested", "1.0.0", spec);
  }

  @Test
  void aPassingTestSetsTestSuccessAndAnUnchangedReleaseIsNotTestedAgain() {
    String ns = namespace("test-pass");
    apply(cluster, tested(ns, """
        interval: 5s
        test: {enable: true, timeout: 1m}
        values: {message: one}"""));
    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "app"), "Ready", "True"));

    Condition tests = condition(get(cluster, ns, "app"), "TestSuccess").orElseThrow();
    assertThat(tests.getStatus()).isEqualTo("True");
    assertThat(tests.getReason()).isEqualTo("TestSucceeded");
    assertThat(tests.getMessage()).contains("Job/app-smoke");
    JsonNode smoke = HelmStorage.release(cluster, ns, "app", 1).path("hooks").get(0);
    assertThat(smoke.path("last_run").path("phase").asText()).as("Helm ran the test").isEqualTo("Succeeded");
    String ranAt = smoke.path("last_run").path("started_at").asText();

    // later reconciles of the unchanged release (the 5 s interval's) neither release nor test it again
    awaitReconciledSince(ns, "app", Instant.now(), 1);

    assertThat(HelmStorage.status(cluster, ns, "app", 2)).as("no new revision").isNull();
    assertThat(HelmStorage.release(cluster, ns, "app", 1).path("hooks").get(0).path("last_run")
        .path("started_at").asText()).as("the test did not run again").isEqualTo(ranAt);
  }

  @Test
  void aFailedTestAfterAnUpgradeRollsBackAndNamesTheTest() {
    String ns = namespace("test-fail");
    apply(cluster, tested(ns, """
        test: {enable: true, timeout: 1m}
        upgrade: {retries: 0}
        values: {message: one}"""));
    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "app"), "Ready", "True"));

    Instant upgradeAt = Instant.now();
    apply(cluster, tested(ns, """
        test: {enable: true, timeout: 1m}
        upgrade: {retries: 0}
        values: {message: two, test: {pass: false}}"""));
    await().atMost(Duration.ofMinutes(2)).until(() -> condition(get(cluster, ns, "app"), "TestSuccess")
        .map(c -> "False".equals(c.getStatus())).orElse(false));
    System.out.printf("failed test reported %d ms after the upgrade was applied%n",
        Duration.between(upgradeAt, Instant.now()).toMillis());

    HelmRelease failed = get(cluster, ns, "app");
    Condition tests = condition(failed, "TestSuccess").orElseThrow();
    assertThat(tests.getReason()).isEqualTo("TestFailed");
    assertThat(tests.getMessage()).contains("Job/app-smoke").contains("spec.test")
        .contains("revision 1 serves again");
    assertThat(condition(failed, "Ready").orElseThrow().getStatus()).isEqualTo("False");
    // the rollback: revision 2 (tested, failed) is marked failed, revision 3 reproduces revision 1
    assertThat(configMessage(ns)).isEqualTo("one");
    JsonNode tested = HelmStorage.release(cluster, ns, "app", 2);
    assertThat(tested.path("info").path("status").asText()).isEqualTo("failed");
    assertThat(tested.path("info").path("description").asText()).contains("tests failed").contains("app-smoke");
    JsonNode rollback = HelmStorage.release(cluster, ns, "app", 3);
    assertThat(rollback.path("info").path("status").asText()).isEqualTo("deployed");
    assertThat(rollback.path("info").path("description").asText()).contains("rollback to revision 1");
    assertThat(awaitEvents(ns, "app", "TestFailed")).filteredOn(e -> "TestFailed".equals(e.getReason()))
        .extracting(Event::getType).containsOnly("Warning");

    // retries: 0, so the next reconcile stalls instead of upgrading again
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "app"), "Ready")
        .map(c -> "RetriesExhausted".equals(c.getReason())).orElse(false));
    assertThat(HelmStorage.status(cluster, ns, "app", 4)).as("no further attempt").isNull();
    assertThat(configMessage(ns)).isEqualTo("one");
  }

  @Test
  void withIgnoreFailuresAFailedTestLeavesTheReleaseReady() {
    String ns = namespace("test-ignore");
    apply(cluster, tested(ns, """
        test: {enable: true, ignoreFailures: true, timeout: 1m}
        values: {message: kept, test: {pass: false}}"""));
    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "app"), "Ready", "True"));

    Condition tests = condition(get(cluster, ns, "app"), "TestSuccess").orElseThrow();
    assertThat(tests.getStatus()).isEqualTo("False");
    assertThat(tests.getReason()).isEqualTo("TestFailed");
    assertThat(tests.getMessage()).contains("Job/app-smoke").contains("ignoreFailures");
    assertThat(HelmStorage.status(cluster, ns, "app", 1)).isEqualTo("deployed");
    assertThat(HelmStorage.release(cluster, ns, "app", 1).path("hooks").get(0).path("last_run").path("phase")
        .asText()).isEqualTo("Failed");
    assertThat(configMessage(ns)).isEqualTo("kept");
  }

  static String configMessage(String ns) {
    return cluster.client().configMaps().inNamespace(ns).withName("app-settings").get().getData().get("message");
  }
}
