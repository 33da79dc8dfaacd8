package io.helmop.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.HelmStoppedException;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedRelease;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** helmop's meters as Prometheus shows them on /metrics. */
class HelmopMetricsTest {
  private final PrometheusEndpoint endpoint = new PrometheusEndpoint();
  private final HelmopMetrics metrics = new HelmopMetrics(endpoint.registry());

  @Test
  void driftAndDependencyWaitsAreCountedFromWhatReconcilesReport() {
    assertThat(endpoint.scrape()).contains("helmop_drift_detected_total 0.0", "helmop_drift_corrected_total 0.0",
        "helmop_dependency_waits_total 0.0");

    metrics.reported(null, List.of(Notice.warningOnChange(Reasons.DRIFT_DETECTED, "Drift detected: ..."),
        Notice.normal(Reasons.DRIFT_CORRECTED, "Re-applied ...")));
    metrics.reported(null, List.of(Notice.normal(Reasons.DRIFT_CORRECTED, "Re-applied ...")));
    metrics.reported(ReconcileFailure.waiting(Reasons.DEPENDENCY_NOT_READY, "waiting for platform/base"), List.of());
    metrics.reported(ReconcileFailure.retryable(Reasons.REPOSITORY_UNAVAILABLE, "down", null), List.of());

    assertThat(endpoint.scrape()).contains("helmop_drift_detected_total 1.0", "helmop_drift_corrected_total 2.0",
        "helmop_dependency_waits_total 1.0");
  }

  @Test
  void helmActionsAreTimedByActionAndResult() {
    var helm = new MeteredHelmEngine(new ScriptedHelm(), metrics);
    helm.install(request("ok"), null, () -> false);
    helm.upgrade(request("ok"), null, () -> false);
    helm.upgrade(request("ok"), "helmop: rollback to revision 1", () -> false);
    try {
      helm.upgrade(request("fail"), null, () -> false);
    } catch (HelmException expected) {
      // counted as a failure
    }
    try {
      helm.install(request("stop"), null, () -> true);
    } catch (HelmStoppedException expected) {
      // counted as stopped
    }
    helm.render(request("ok"), "v1.33.0");

    String scraped = endpoint.scrape();
    assertThat(scraped).contains(
        "helmop_helm_action_seconds_count{action=\"install\",result=\"success\"} 1",
        "helmop_helm_action_seconds_count{action=\"upgrade\",result=\"success\"} 1",
        "helmop_helm_action_seconds_count{action=\"rollback\",result=\"success\"} 1",
        "helmop_helm_action_seconds_count{action=\"upgrade\",result=\"failure\"} 1",
        "helmop_helm_action_seconds_count{action=\"install\",result=\"stopped\"} 1",
        "helmop_helm_action_seconds_count{action=\"template\",result=\"success\"} 1",
        "helmop_helm_action_seconds_bucket{action=\"install\",result=\"success\",le=\"300.0\"} 1");
  }

  @Test
  void releasesAreCountedByConditionFromTheCacheAtEachScrape() {
    List<HelmRelease> cache = new ArrayList<>();
    metrics.watchReleases(cache::stream);
    cache.add(release("a", "Ready", "True", "UpgradeSucceeded"));
    cache.add(release("b", "Ready", "False", Reasons.DEPENDENCY_NOT_READY));
    cache.add(release("c", "Stalled", "True", Reasons.RETRIES_EXHAUSTED));
    cache.add(new HelmRelease()); // not reconciled yet

    String scraped = endpoint.scrape();
    assertThat(scraped).contains("helmop_watched_releases 4.0",
        "helmop_releases{condition=\"Ready\",status=\"True\"} 1.0",
        "helmop_releases{condition=\"Ready\",status=\"False\"} 1.0",
        "helmop_releases{condition=\"Stalled\",status=\"True\"} 1.0",
        "helmop_releases{condition=\"Drifted\",status=\"True\"} 0.0",
        "helmop_releases_waiting_for_dependencies 1.0");

    cache.add(release("d", "Drifted", "True", Reasons.DRIFT_DETECTED));
    assertThat(endpoint.scrape()).contains("helmop_releases{condition=\"Drifted\",status=\"True\"} 1.0");

    HelmRelease violating = release("e", "PolicyCompliant", "False", "RulesViolated");
    var policy = new io.helmop.api.v1alpha1.PolicyStatus();
    policy.setMode("Warn");
    policy.setViolationCount(3);
    violating.getStatus().setPolicy(policy);
    cache.add(violating);
    assertThat(endpoint.scrape()).contains("helmop_releases{condition=\"PolicyCompliant\",status=\"False\"} 1.0",
        "helmop_policy_violations_current{mode=\"Warn\"} 3.0",
        "helmop_policy_violations_current{mode=\"Enforce\"} 0.0");
  }

  @Test
  void queueProcessesLeadershipAndPolicyViolationsAreExported() {
    var executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
    try {
      metrics.watchReconcileQueue(executor);
      metrics.watchHelmProcesses(() -> 3, () -> 2, 4);
      metrics.watchLeadership(() -> false);
      metrics.policyViolation("resource-limits", "Enforce");
      metrics.policyViolation("resource-limits", "Enforce");

      assertThat(endpoint.scrape()).contains("helmop_reconcile_queue_depth 0.0", "helmop_reconcile_threads_busy 0.0",
          "helmop_helm_processes_busy 3.0", "helmop_helm_processes_waiting 2.0", "helmop_helm_processes_max 4.0",
          "helmop_leader 0.0", "helmop_policy_violations_total{mode=\"Enforce\",rule=\"resource-limits\"} 2.0",
          "process_resident_memory_bytes", "jvm_memory_used_bytes");
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void renderWorkersAreExported() throws Exception {
    var limits = new io.helmop.operator.release.HelmWorkerPool.Limits(2, 512L << 20, java.time.Duration.ofSeconds(30),
        500, 16L << 20);
    try (var workers = new io.helmop.operator.release.HelmWorkerPool(limits,
        java.nio.file.Files.createTempDirectory("render-workers-"))) {
      metrics.watchRenderWorkers(workers);

      assertThat(endpoint.scrape()).contains("helmop_render_workers_alive 0.0", "helmop_render_workers_waiting 0.0",
          "helmop_render_workers_max 2.0", "helmop_render_stopped_total{bound=\"memory\"} 0.0",
          "helmop_render_stopped_total{bound=\"time\"} 0.0", "helmop_render_stopped_total{bound=\"output\"} 0.0");
    }
  }

  private static HelmRelease release(String name, String type, String status, String reason) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
    HelmReleaseStatus s = new HelmReleaseStatus();
    s.setConditions(List.of(new ConditionBuilder().withType(type).withStatus(status).withReason(reason).build()));
    release.setStatus(s);
    return release;
  }

  private static ReleaseRequest request(String name) {
    return new ReleaseRequest(name, "apps", java.nio.file.Path.of("/nonexistent"), java.util.Map.of(), true, true,
        Duration.ofMinutes(5), false, true);
  }

  /** Succeeds for release "ok", fails for "fail", and is stopped when superseded. */
  private static final class ScriptedHelm implements HelmEngine {
    @Override
    public void install(ReleaseRequest request, String description, BooleanSupplier superseded) {
      act(request, superseded);
    }

    @Override
    public void upgrade(ReleaseRequest request, String description, BooleanSupplier superseded) {
      act(request, superseded);
    }

    @Override
    public void uninstall(String releaseName, String namespace) {}

    @Override
    public RenderedRelease render(ReleaseRequest request, String kubeVersion) {
      return RenderedRelease.of(List.of());
    }

    @Override
    public LintReport lint(ReleaseRequest request) {
      return new LintReport(false, List.of());
    }

    private static void act(ReleaseRequest request, BooleanSupplier superseded) {
      if (superseded.getAsBoolean()) {
        throw new HelmStoppedException("stopped");
      }
      if (request.releaseName().equals("fail")) {
        throw new HelmException("timed out", null);
      }
    }
  }
}
