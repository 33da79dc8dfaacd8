package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Day-2 commands as a user types them (`kubectl annotate`): reconcile now, force an upgrade of an unchanged
 * release, and reset the retries of a release that ran out of them. Each is answered once, in status and with an
 * Event; only the forced upgrade makes a revision.
 */
class DayTwoIT extends OperatorTest {
  static ChartRepository repository;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/ledger-service"), "1.0.0", "1.0.0"));
  }

  static String ledger(String ns, String values) {
    return helmRelease(ns, "ledger", repository.url(), "ledger-service", "1.0.0", """
        upgrade: {timeout: 10s, retries: 0}
        values:
        %s""".formatted(values.indent(2).stripTrailing()));
  }

  @Test
  void reconcileNowAndForceAnUpgradeOfAnUnchangedRelease() throws Exception {
    String ns = namespace("daytwo");
    apply(cluster, ledger(ns, "message: one"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();

    annotate(ns, "reconcile.helmop.io/requestedAt", "t1");
    await().atMost(Duration.ofMinutes(1)).until(() -> "t1".equals(get(cluster, ns, "ledger").getStatus()
        .getLastHandledReconcileAt()));
    assertThat(awaitEvents(ns, "ledger", "ReconcileRequested")).filteredOn(e -> "ReconcileRequested"
        .equals(e.getReason())).singleElement().extracting(Event::getMessage).asString().contains("in sync");
    assertThat(revisions(ns)).as("a reconcile on request makes no revision").isEqualTo(1);

    annotate(ns, "reconcile.helmop.io/forceAt", "f1");
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      HelmRelease r = get(cluster, ns, "ledger");
      return "f1".equals(r.getStatus().getLastHandledForceAt()) && Integer.valueOf(2).equals(
          r.getStatus().getLastAppliedRevision());
    });
    JsonNode history = helmHistory(ns);
    assertThat(history).extracting(h -> h.path("status").asText()).containsExactly("superseded", "deployed");
    assertThat(cluster.helm("get", "values", "ledger", "-n", ns, "--revision", "2").orFail().output())
        .contains("message: one");
    awaitEvents(ns, "ledger", "UpgradeForced", "UpgradeSucceeded");
  }

  @Test
  void aResetGivesAReleaseOutOfRetriesOneMoreAttempt() throws Exception {
    String ns = namespace("daytwo");
    apply(cluster, ledger(ns, "message: one"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();
    // pods that never become ready: the upgrade times out and is rolled back; retries: 0 stalls at once
    apply(cluster, ledger(ns, "message: two\nschedulingGates: [{name: example.com/never}]"));
    await().atMost(Duration.ofMinutes(2)).until(() -> condition(get(cluster, ns, "ledger"), "Ready")
        .map(c -> "RetriesExhausted".equals(c.getReason())).orElse(false));
    int before = revisions(ns);

    annotate(ns, "reconcile.helmop.io/resetAt", "r1");
    await().atMost(Duration.ofMinutes(2)).until(() -> revisions(ns) > before
        && condition(get(cluster, ns, "ledger"), "Ready").map(c -> "RetriesExhausted".equals(c.getReason()))
            .orElse(false));

    HelmRelease stalled = get(cluster, ns, "ledger");
    assertThat(stalled.getStatus().getLastHandledResetAt()).isEqualTo("r1");
    assertThat(stalled.getStatus().getLastAttempt().getFailures()).as("counted from zero again").isEqualTo(1);
    assertThat(revisions(ns)).as("one more attempt (failed) and Helm's rollback").isEqualTo(before + 2);
    awaitEvents(ns, "ledger", "RetriesReset");
    assertThat(cluster.kubectl("get", "configmap", "ledger-service", "-n", ns, "-o", "jsonpath={.data.message}")
        .orFail().output()).as("the last good revision keeps serving").isEqualTo("one");
  }

  private static void annotate(String ns, String annotation, String value) {
    cluster.kubectl("annotate", "--overwrite", "helmrelease", "ledger", "-n", ns, annotation + "=" + value).orFail();
  }

  private static int revisions(String ns) throws Exception {
    return helmHistory(ns).size();
  }

  private static JsonNode helmHistory(String ns) throws Exception {
    return JSON.readTree(cluster.helm("history", "ledger", "-n", ns, "-o", "json").orFail().output());
  }
}
