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
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import io.helmop.e2e.support.Timeline;
import io.helmop.e2e.support.Timeline.Entry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed article's migration hook, on install and upgrade: pre hooks run in weight order and finish before
 * the Deployment changes, post hooks run once it is ready, and delete policies are honoured.
 */
class HooksIT extends OperatorTest {
  static ChartRepository repository;
  static final String CHART = "ledger-service";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/ledger-service"), "1.0.0", "1.0.0"));
  }

  static String ledger(String ns, String values) {
    return helmRelease(ns, "ledger", repository.url(), CHART, "1.0.0", """
        upgrade: {timeout: 2m}
        values:
        %s""".formatted(values.indent(2).stripTrailing()));
  }

  @Test
  void preHooksRunInWeightOrderBeforeTheDeploymentChangesAndPostHooksAfterItIsReady() {
    String ns = namespace("hooks");
    try (Timeline timeline = new Timeline(cluster, ns)) {
      apply(cluster, ledger(ns, "message: one"));
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();
      assertHookOrder(timeline, -1, 1);
      // hook-succeeded: the migration and the smoke test are gone; before-hook-creation only: the warmup stays
      assertThat(jobs(ns)).containsExactly("ledger-service-cache-warmup");
      String warmupUid = uid(ns, "ledger-service-cache-warmup");
      JsonNode hooks = HelmStorage.release(cluster, ns, "ledger", 1).path("hooks");
      assertThat(hooks).extracting(h -> h.path("last_run").path("phase").asText())
          .containsOnly("Succeeded");

      long beforeUpgrade = timeline.last();
      apply(cluster, ledger(ns, "message: two"));
      await().atMost(Duration.ofMinutes(3)).until(() -> {
        HelmRelease r = get(cluster, ns, "ledger");
        return r.getStatus().getObservedGeneration() == 2L && hasCondition(r, "Ready", "True");
      });
      assertHookOrder(timeline, beforeUpgrade, 2);
      // before-hook-creation: the upgrade deleted the warmup Job of revision 1 and created it again
      timeline.firstOrFail(beforeUpgrade, "the old warmup Job deleted",
          e -> e.name().equals("ledger-service-cache-warmup") && e.action().equals("DELETED")
              && e.uid().equals(warmupUid));
      assertThat(uid(ns, "ledger-service-cache-warmup")).isNotEqualTo(warmupUid);
      assertThat(jobs(ns)).containsExactly("ledger-service-cache-warmup");

      HelmRelease upgraded = get(cluster, ns, "ledger");
      assertThat(condition(upgraded, "PolicyCompliant").orElseThrow().getStatus()).isEqualTo("True");
      // the rules ran (PolicyCompliant=True above), and no Event reported a violation
      assertThat(awaitEvents(ns, "ledger", "InstallSucceeded", "UpgradeSucceeded")).extracting(Event::getReason)
          .doesNotContain("RulesViolated");
    }
  }

  @Test
  void aHookJobWithoutActiveDeadlineSecondsIsReportedButDoesNotBlockTheRelease() {
    String ns = namespace("deadline");
    apply(cluster, ledger(ns, "migration: {activeDeadlineSeconds: 0}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();

    HelmRelease released = get(cluster, ns, "ledger");
    var policy = condition(released, "PolicyCompliant").orElseThrow();
    assertThat(policy.getStatus()).isEqualTo("False");
    assertThat(policy.getReason()).isEqualTo("RulesViolated");
    assertThat(policy.getMessage()).contains("hook Job ledger-service-migration-1")
        .contains("activeDeadlineSeconds").doesNotContain("cache-warmup");
    assertThat(awaitEvents(ns, "ledger", "RulesViolated"))
        .filteredOn(e -> "RulesViolated".equals(e.getReason()))
        .singleElement().satisfies(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getMessage()).contains("ledger-service-migration-1");
        });
  }

  /**
   * Migration (weight -5) complete, then warmup (weight 5) complete, then the Deployment gets the new pod
   * template, becomes ready, and only then the smoke test runs (and is deleted on success).
   */
  private static void assertHookOrder(Timeline timeline, long after, int revision) {
    String migration = "ledger-service-migration-" + revision;
    String message = revision == 1 ? "one" : "two";
    Entry migrated = timeline.firstOrFail(after, migration + " complete",
        e -> e.name().equals(migration) && e.jobCompleted());
    Entry migrationDeleted = timeline.firstOrFail(migrated.seq(), "migration deleted (hook-succeeded)",
        e -> e.name().equals(migration) && e.action().equals("DELETED"));
    Entry warmupCreated = timeline.firstOrFail(after, "warmup created",
        e -> e.name().equals("ledger-service-cache-warmup") && e.action().equals("ADDED"));
    Entry warmedUp = timeline.firstOrFail(warmupCreated.seq(), "warmup complete",
        e -> e.name().equals("ledger-service-cache-warmup") && e.jobCompleted() && !e.action().equals("DELETED"));
    Entry deploymentChanged = timeline.firstOrFail(after, "the Deployment with the new pod template",
        e -> e.object() instanceof Deployment d && message.equals(templateMessage(d)));
    Entry deploymentReady = timeline.firstOrFail(deploymentChanged.seq(), "the Deployment ready",
        e -> e.object() instanceof Deployment d && message.equals(templateMessage(d)) && d.getStatus() != null
            && java.util.Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration())
            && Integer.valueOf(1).equals(d.getStatus().getUpdatedReplicas())
            && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas())
            && d.getStatus().getUnavailableReplicas() == null);
    Entry smokeTest = timeline.firstOrFail(after, "smoke test created",
        e -> e.name().equals("ledger-service-smoke-test") && e.action().equals("ADDED"));
    Entry smokeTestDeleted = timeline.firstOrFail(smokeTest.seq(), "smoke test deleted (hook-succeeded)",
        e -> e.name().equals("ledger-service-smoke-test") && e.action().equals("DELETED"));

    List<Long> order = List.of(migrated.seq(), warmupCreated.seq(), warmedUp.seq(), deploymentChanged.seq(),
        deploymentReady.seq(), smokeTest.seq(), smokeTestDeleted.seq());
    assertThat(order).as("migration done < warmup created < warmup done < Deployment changed < Deployment ready "
        + "< smoke test < smoke test deleted; timeline:\n%s", timeline.describe()).isSorted();
    assertThat(migrationDeleted.seq()).isLessThan(deploymentChanged.seq());
  }

  private static String templateMessage(Deployment deployment) {
    var annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get("ledger.example.com/message");
  }

  private static List<String> jobs(String ns) {
    return cluster.client().batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
        .map(j -> j.getMetadata().getName()).sorted().toList();
  }

  private static String uid(String ns, String job) {
    return cluster.client().batch().v1().jobs().inNamespace(ns).withName(job).get().getMetadata().getUid();
  }
}
