package io.helmop.operator.metrics;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * helmop's own meters, beside JOSDK's: releases by condition, Helm actions by action and result, drift detected
 * and corrected, dependency waits, policy violations (now, from status; and a counter for the policy rules to
 * call), busy Helm processes, the reconcile queue and leadership.
 * The reconcile reports to it through {@link #reported}; the names as Prometheus shows them are in
 * docs/operations.md ("Metrics").
 */
public class HelmopMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(HelmopMetrics.class);
  static final String HELM_ACTION = "helmop.helm.action";
  /** Bucket bounds of the Helm action histogram: renders take milliseconds, upgrades with --wait minutes. */
  private static final Duration[] HELM_ACTION_BUCKETS = Stream.of(0.05, 0.25, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0,
      300.0, 600.0).map(s -> Duration.ofMillis((long) (s * 1000))).toArray(Duration[]::new);
  private static final Set<String> DEPENDENCY_WAITS =
      Set.of(Reasons.DEPENDENCY_NOT_READY, Reasons.DEPENDENCY_NOT_FOUND);
  private static final List<String> CONDITIONS = List.of("Ready", "Stalled", "Drifted", "PolicyCompliant");
  private static final List<String> STATUSES = List.of("True", "False", "Unknown");

  private final MeterRegistry registry;
  private final Counter driftDetected;
  private final Counter driftCorrected;
  private final Counter dependencyWaits;

  public HelmopMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.driftDetected = Counter.builder("helmop.drift.detected")
        .description("Drift found on a release's objects (each new finding once)").register(registry);
    this.driftCorrected = Counter.builder("helmop.drift.corrected")
        .description("Corrections of drifted objects helmop re-applied").register(registry);
    this.dependencyWaits = Counter.builder("helmop.dependency.waits")
        .description("Reconciles that stopped to wait for a dependency (spec.dependsOn) to be Ready")
        .register(registry);
  }

  /** Meters kept in memory only: for tests and for wiring that exports nothing. */
  public static HelmopMetrics none() {
    return new HelmopMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * What one reconcile reported: its failure (null when none) and the Events it asked for. Drift findings and
   * corrections, and dependency waits, are counted from them.
   */
  public void reported(ReconcileFailure failure, List<Notice> notices) {
    if (failure != null && DEPENDENCY_WAITS.contains(failure.reason())) {
      dependencyWaits.increment();
    }
    for (Notice notice : notices) {
      if (Reasons.DRIFT_DETECTED.equals(notice.reason())) {
        driftDetected.increment();
      } else if (Reasons.DRIFT_CORRECTED.equals(notice.reason())) {
        driftCorrected.increment();
      }
    }
  }

  /**
   * A policy rule found a violation in a release's rendered manifest.
   *
   * @param rule the rule's name (a fixed set: it is a label)
   * @param mode what was done about it: Enforce (the release was refused) or Warn
   */
  public void policyViolation(String rule, String mode) {
    Counter.builder("helmop.policy.violations")
        .description("Policy violations found in rendered releases, by rule and mode")
        .tag("rule", rule).tag("mode", mode).register(registry).increment();
  }

  /**
   * A Helm action ended.
   *
   * @param action install, upgrade, rollback, uninstall, template or lint
   * @param result success, failure or stopped (superseded by a newer generation)
   */
  public void helmAction(String action, String result, Duration took) {
    Timer.builder(HELM_ACTION)
        .description("Helm actions by action and result")
        .tag("action", action).tag("result", result)
        .serviceLevelObjectives(HELM_ACTION_BUCKETS)
        .register(registry).record(took);
  }

  /** Gauges of the HelmReleases helmop watches (read at each scrape; every replica has the cache). */
  public void watchReleases(Supplier<Stream<HelmRelease>> releases) {
    Gauge.builder("helmop.watched.releases", () -> count(releases, r -> true))
        .description("HelmReleases helmop watches").strongReference(true).register(registry);
    for (String condition : CONDITIONS) {
      for (String status : STATUSES) {
        Gauge.builder("helmop.releases", () -> count(releases, r -> hasCondition(r, condition, status)))
            .description("HelmReleases by condition (Ready, Stalled, Drifted) and its status")
            .tag("condition", condition).tag("status", status).strongReference(true).register(registry);
      }
    }
    for (String mode : List.of("Enforce", "Warn")) {
      Gauge.builder("helmop.policy.violations.current", () -> sum(releases, r -> violations(r, mode)))
          .description("Policy violations the releases' last render had (status.policy.violationCount), by mode")
          .tag("mode", mode).strongReference(true).register(registry);
    }
    Gauge.builder("helmop.releases.waiting.for.dependencies", () -> count(releases, HelmopMetrics::waiting))
        .description("HelmReleases not Ready because a dependency (spec.dependsOn) is not Ready or not found")
        .strongReference(true).register(registry);
  }

  /** Gauges of the installs and upgrades (each holds a Helm worker while it runs). */
  public void watchHelmProcesses(IntSupplier busy, IntSupplier waiting, int max) {
    Gauge.builder("helmop.helm.processes.busy", busy::getAsInt)
        .description("Installs and upgrades running, each in a Helm worker").strongReference(true).register(registry);
    Gauge.builder("helmop.helm.processes.waiting", waiting::getAsInt)
        .description("Installs and upgrades waiting for their turn (--helm-processes)").strongReference(true)
        .register(registry);
    Gauge.builder("helmop.helm.processes.max", () -> max)
        .description("Most installs and upgrades at a time (--helm-processes)").strongReference(true)
        .register(registry);
  }

  /**
   * The Helm workers (renders, lints, installs, upgrades): alive, calls waiting for one, the most at a time, and
   * renders stopped by bound.
   */
  public void watchRenderWorkers(io.helmop.operator.release.HelmWorkerPool workers) {
    Gauge.builder("helmop.render.workers.alive", workers::alive)
        .description("Helm worker processes alive, idle or busy").strongReference(true).register(registry);
    Gauge.builder("helmop.render.workers.waiting", workers::waiting)
        .description("Helm calls waiting for a free Helm worker").strongReference(true).register(registry);
    Gauge.builder("helmop.render.workers.max", () -> workers.limits().workers())
        .description("Most Helm workers at a time (--render-workers plus --helm-processes)").strongReference(true)
        .register(registry);
    for (var bound : io.helmop.operator.release.RenderLimitException.Bound.values()) {
      io.micrometer.core.instrument.FunctionCounter.builder("helmop.render.stopped", workers,
              w -> w.stopped(bound))
          .description("Renders and lints stopped at a bound (memory, time, output); their releases stalled")
          .tag("bound", bound.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
    }
  }

  /** Gauges of the reconcile thread pool: releases waiting for a thread, and threads at work. */
  public void watchReconcileQueue(ThreadPoolExecutor executor) {
    Gauge.builder("helmop.reconcile.queue.depth", () -> executor.getQueue().size())
        .description("Reconciles waiting for a free reconcile thread (--concurrency)").strongReference(true)
        .register(registry);
    Gauge.builder("helmop.reconcile.threads.busy", executor::getActiveCount)
        .description("Reconcile threads at work").strongReference(true).register(registry);
  }

  /** 1 while this process acts (it holds the Lease, or leader election is off), 0 while it stands by. */
  public void watchLeadership(BooleanSupplier leader) {
    Gauge.builder("helmop.leader", () -> leader.getAsBoolean() ? 1 : 0)
        .description("1 while this process reconciles (it holds the Lease), 0 on a standby replica")
        .strongReference(true).register(registry);
  }

  private static double count(Supplier<Stream<HelmRelease>> releases, Predicate<HelmRelease> which) {
    try (Stream<HelmRelease> all = releases.get()) {
      return all.filter(which).count();
    } catch (RuntimeException e) { // the cache is not started yet, or is being stopped
      LOG.debug("Could not count HelmReleases: {}", e.toString());
      return Double.NaN;
    }
  }

  private static double sum(Supplier<Stream<HelmRelease>> releases, java.util.function.ToIntFunction<HelmRelease> of) {
    try (Stream<HelmRelease> all = releases.get()) {
      return all.mapToInt(of).sum();
    } catch (RuntimeException e) {
      LOG.debug("Could not count policy violations: {}", e.toString());
      return Double.NaN;
    }
  }

  private static int violations(HelmRelease release, String mode) {
    var policy = release.getStatus() == null ? null : release.getStatus().getPolicy();
    return policy == null || !mode.equals(policy.getMode()) || policy.getViolationCount() == null ? 0
        : policy.getViolationCount();
  }

  private static boolean hasCondition(HelmRelease release, String type, String status) {
    return conditions(release).anyMatch(c -> type.equals(c.getType()) && status.equals(c.getStatus()));
  }

  private static boolean waiting(HelmRelease release) {
    return conditions(release).anyMatch(c -> "Ready".equals(c.getType()) && "False".equals(c.getStatus())
        && DEPENDENCY_WAITS.contains(c.getReason()));
  }

  private static Stream<Condition> conditions(HelmRelease release) {
    return release.getStatus() == null || release.getStatus().getConditions() == null ? Stream.empty()
        : release.getStatus().getConditions().stream();
  }
}
