package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.Durations;
import io.helmop.operator.config.TenantLimits;
import io.helmop.operator.dependency.Dependencies;
import io.helmop.operator.dependency.DependencyEventSource;
import io.helmop.operator.dependency.SettleWindow;
import io.helmop.operator.drift.DriftCheck;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.drift.SelfHeal;
import io.helmop.operator.metrics.HelmopMetrics;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.postrender.PostRendering;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.Planner;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.Releaser;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.tenancy.Forbidden;
import io.helmop.operator.tenancy.Impersonation;
import io.helmop.operator.values.ReferenceWatcher;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a HelmRelease: classify the release ({@link ReleaseClassifier}), take the one action its state
 * calls for, and write status once. An action that changes Helm's state (unlocking an abandoned revision,
 * restoring objects) lets the release be classified again in the same reconcile. An unchanged HelmRelease costs
 * no Helm call and no status write.
 */
@ControllerConfiguration(name = "helmrelease", finalizerName = HelmReleaseReconciler.FINALIZER,
    fieldManager = "helmop", generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = HelmReleaseUpdateFilter.class))
public class HelmReleaseReconciler implements Reconciler<HelmRelease>, Cleaner<HelmRelease> {
  public static final String FINALIZER = "helmop.io/uninstall";
  /** Unlock, then restore, then upgrade: no state needs more actions than that in one reconcile. */
  private static final int MAX_ACTIONS = 4;
  private static final Logger LOG = LoggerFactory.getLogger(HelmReleaseReconciler.class);

  private final Planner planner;
  private final Preflight preflight;
  private final ReleaseRecords records;
  private final StatusFactory statuses;
  private final EventRecorder events;
  private final SettleWindow settleWindow;
  private final ReferenceWatcher references;
  private final DriftCheck drift;
  private final ManagedObjectWatcher managedObjects;
  private final Clock clock;
  private final String instance;
  private final HelmopMetrics metrics;
  private final Impersonation impersonation;

  private final Suspend suspend;
  private final ResetRetries resetRetries;
  private final RollBack rollBack;
  private final Unlock unlock;
  private final WaitForLock waitForLock;
  private final Restore restore;
  private final KeepRolledBack keepRolledBack;
  private final CheckDrift checkDrift;
  private final StallOnRetries stallOnRetries;
  private final ChartRelease install;
  private final Adopt adopt;
  private final ClaimRelease claim;
  private final LeaveToOwner leaveToOwner;
  private final TenantLimits.Settings limits;
  private final ChartRelease upgrade;
  private final Uninstall uninstall;

  /**
   * @param preflight the checks before every install and upgrade (render, schema, lint, policy, dry run)
   * @param instance this operator process (host name and a random id): a pending revision that status says
   *     another process started was abandoned by it
   */
  public HelmReleaseReconciler(Planner planner, ReleaseRecords records, HelmEngine helm, Preflight preflight,
      StatusFactory statuses, EventRecorder events, SettleWindow settleWindow, ReferenceWatcher references,
      DriftCheck drift, ManagedObjectWatcher managedObjects, Path workDir, Clock clock, String instance) {
    this(planner, records, helm, preflight, statuses, events, settleWindow, references, drift, managedObjects,
        workDir, clock, instance, HelmopMetrics.none());
  }

  public HelmReleaseReconciler(Planner planner, ReleaseRecords records, HelmEngine helm, Preflight preflight,
      StatusFactory statuses, EventRecorder events, SettleWindow settleWindow, ReferenceWatcher references,
      DriftCheck drift, ManagedObjectWatcher managedObjects, Path workDir, Clock clock, String instance,
      HelmopMetrics metrics) {
    this(planner, records, helm, preflight, statuses, events, settleWindow, references, drift, managedObjects,
        workDir, clock, instance, metrics, TenantLimits.Settings.OPEN, Impersonation.off());
  }

  /**
   * @param metrics counts what reconciles report (drift, dependency waits) and watches the releases' conditions
   * @param limits whether releases nobody owns are adopted, and references to other namespaces followed
   * @param impersonation whose rights each release's requests use: bound around each reconcile and cleanup
   */
  public HelmReleaseReconciler(Planner planner, ReleaseRecords records, HelmEngine helm, Preflight preflight,
      StatusFactory statuses, EventRecorder events, SettleWindow settleWindow, ReferenceWatcher references,
      DriftCheck drift, ManagedObjectWatcher managedObjects, Path workDir, Clock clock, String instance,
      HelmopMetrics metrics, TenantLimits.Settings limits, Impersonation impersonation) {
    this.limits = limits;
    this.impersonation = impersonation;
    this.planner = planner;
    this.preflight = preflight;
    this.records = records;
    this.statuses = statuses;
    this.events = events;
    this.settleWindow = settleWindow;
    this.references = references;
    this.drift = drift;
    this.managedObjects = managedObjects;
    this.clock = clock;
    this.instance = instance;
    this.metrics = metrics;

    Remediation remediation = new Remediation(clock, instance);
    Releaser releaser = new Releaser(helm, records, drift, workDir);
    ReleaseGate gate = new ReleaseGate(settleWindow);
    PostRendering postRendering = new PostRendering(helm, preflight::kubeVersion, workDir.resolve("post-rendered"));
    this.checkDrift = new CheckDrift(new SelfHeal(drift, statuses), statuses, preflight);
    this.suspend = new Suspend(statuses);
    this.resetRetries = new ResetRetries(statuses);
    this.rollBack = new RollBack(helm, records, remediation, statuses, workDir, clock);
    this.unlock = new Unlock(records);
    this.waitForLock = new WaitForLock(clock);
    this.restore = new Restore(drift, records);
    this.keepRolledBack = new KeepRolledBack(statuses, checkDrift);
    this.stallOnRetries = new StallOnRetries();
    this.install = new ChartRelease(ChartRelease.INSTALL, gate, preflight, releaser, remediation, statuses,
        checkDrift, postRendering);
    this.adopt = new Adopt(limits.adoptReleases(), new ChartRelease(ChartRelease.ADOPT, gate, preflight, releaser,
        remediation, statuses, checkDrift, postRendering), drift::releaseLabelOn, records);
    this.claim = new ClaimRelease(records);
    this.leaveToOwner = new LeaveToOwner();
    this.upgrade = new ChartRelease(ChartRelease.UPGRADE, gate, preflight, releaser, remediation, statuses,
        checkDrift, postRendering);
    this.uninstall = new Uninstall(helm, records);
  }

  @Override
  public List<EventSource<?, HelmRelease>> prepareEventSources(EventSourceContext<HelmRelease> context) {
    metrics.watchReleases(() -> context.getPrimaryCache().list());
    return List.of(DependencyEventSource.create(context), references.eventSource(), managedObjects.eventSource());
  }

  @Override
  public UpdateControl<HelmRelease> reconcile(HelmRelease release, Context<HelmRelease> context)
      throws ReconcileFailure {
    return reconcile(release, new JosdkReleaseCache(context));
  }

  /** The reconcile against any cache of HelmReleases (unit tests use an in-memory one). */
  public UpdateControl<HelmRelease> reconcile(HelmRelease release, ReleaseCache cache) throws ReconcileFailure {
    LOG.debug("Reconciling generation {}", release.getMetadata().getGeneration());
    Reconciliation r = new Reconciliation(release, cache, Durations.interval(release.getSpec().getInterval()));
    Outcome outcome;
    try (var acting = impersonation.actFor(release)) {
      outcome = decideAndAct(r);
    }
    record(r, outcome);
    if (outcome.step() == Outcome.Step.RETRY) {
      throw outcome.failure(); // JOSDK retries with exponential backoff
    }
    Duration next = outcome.after().filter(after -> after.compareTo(r.interval()) < 0).orElse(r.interval());
    return UpdateControl.<HelmRelease>noUpdate().rescheduleAfter(next);
  }

  private Outcome decideAndAct(Reconciliation r) {
    if (Boolean.TRUE.equals(r.release().getSpec().getSuspend())) {
      return suspend.act(r, r.classified(ReleaseClassifier.classify(ReleaseFacts.unplanned(r.release(), instance,
          clock.instant()))));
    }
    references.follow(r.release()); // before composing: a missing ConfigMap's creation must wake the release
    try {
      if (!limits.crossNamespaceRefs()) {
        NamespaceLockdown.check(r.release());
      }
      Dependencies dependencies = r.dependencies();
      dependencies.validate(r.release());
      dependencies.checkNoCycle(r.release());
      preflight.settings(r.release()); // an unknown rule id in spec.policy.exclude stalls before anything else
      r.planned(planner.plan(r.release()), drift.ignoreRules(r.release()));
      List<Notice> notices = new ArrayList<>();
      for (int actions = 0; actions < MAX_ACTIONS; actions++) {
        r.history(records.history(r.desired().namespace(), r.desired().releaseName()));
        Classification classification = r.classified(ReleaseClassifier.classify(new ReleaseFacts(r.release(),
            r.desired(), r.history(), instance, clock.instant())));
        if (classification.state() == ReleaseState.IN_SYNC) {
          LOG.debug("The release is {}", classification);
        } else {
          LOG.info("The release is {}", classification);
        }
        Outcome outcome = actionFor(classification.state()).act(r, classification);
        if (outcome.step() != Outcome.Step.CONTINUE) {
          return outcome.withNotices(notices);
        }
        notices.addAll(outcome.notices());
      }
      throw new IllegalStateException("no state reached after " + MAX_ACTIONS + " actions");
    } catch (ReconcileFailure failure) {
      return Outcome.of(failure);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      // the release's ServiceAccount lacks a right helmop needs for it (reading Helm's records, say)
      return Forbidden.failure(e).map(Outcome::of).orElseThrow(() -> e);
    }
  }

  private Action actionFor(ReleaseState state) {
    return switch (state) {
      case SUSPENDED -> suspend;
      case RESET_REQUESTED -> resetRetries;
      case UPGRADE_FORCED -> upgrade;
      case ROLLBACK_REQUESTED -> rollBack;
      case PENDING_ABANDONED -> unlock;
      case PENDING_LOCKED -> waitForLock;
      case FAILED_NOT_RESTORED -> restore;
      case ROLLED_BACK -> keepRolledBack;
      case IN_SYNC -> checkDrift;
      case RETRIES_EXHAUSTED -> stallOnRetries;
      case NOT_INSTALLED -> install;
      case UNMANAGED -> adopt;
      case OWNED_BY_ANOTHER -> leaveToOwner;
      case UNMARKED -> claim;
      case OUT_OF_SYNC -> upgrade;
      case DELETING -> uninstall;
    };
  }

  /**
   * Writes the outcome's status (built from its failure when it brings none) when it changed, and records its
   * Events: those reporting an action (a Helm call, a correction) always, those reporting a situation only when
   * the status differs from the one the reconcile started with, so a situation that goes on is reported once.
   */
  private void record(Reconciliation r, Outcome outcome) {
    HelmReleaseStatus status = outcome.status();
    ReconcileFailure failure = outcome.failure();
    if (status == null && failure != null) {
      status = statuses.failed(r.release(), failure, outcome.helmFailed());
    }
    Optional<String> requested = DayTwoRequests.reconcilePending(r.release());
    if (requested.isPresent()) {
      status = statuses.reconcileAnswered(r.release(), status, requested.get());
      events.record(r.release(), Notice.normal(Reasons.RECONCILE_REQUESTED, "Reconciled on request ("
          + DayTwoRequests.RECONCILE + "=" + requested.get() + "): " + (r.classification() != null
          ? "the release is " + r.classification() : "it stopped at " + failure.reason()) + "."));
    }
    if (status != null) {
      r.write(status);
    }
    boolean newSituation = r.statusChanged();
    if (failure != null && (newSituation || outcome.helmFailed())) {
      boolean waiting = failure.kind() == ReconcileFailure.Kind.WAIT;
      if (waiting) {
        LOG.info("{}: {}", failure.reason(), failure.getMessage());
      } else {
        LOG.warn("{}: {}", failure.reason(), failure.getMessage());
      }
      events.record(r.release(), new Notice(!waiting, failure.reason(), failure.getMessage(), true));
    } else if (failure != null) { // reported when it began (JOSDK's own log line of it is filtered out)
      LOG.debug("Still {}: {}", failure.reason(), failure.getMessage());
    }
    outcome.notices().stream().filter(notice -> notice.always() || newSituation)
        .forEach(notice -> events.record(r.release(), notice));
    metrics.reported(failure, outcome.notices());
  }

  @Override
  public ErrorStatusUpdateControl<HelmRelease> updateErrorStatus(HelmRelease release, Context<HelmRelease> context,
      Exception e) {
    if (!(e instanceof ReconcileFailure)) { // ReconcileFailures were recorded where they happened
      Reconciliation r = new Reconciliation(release, new JosdkReleaseCache(context), Duration.ZERO);
      record(r, Outcome.of(ReconcileFailure.retryable(Reasons.RECONCILE_ERROR, "helmop could not reconcile "
          + "this release: " + e.getMessage() + ". helmop retries with backoff.", e)));
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  @Override
  public DeleteControl cleanup(HelmRelease release, Context<HelmRelease> context) {
    return cleanup(release, new JosdkReleaseCache(context));
  }

  /** Deletion against any cache of HelmReleases: the finalizer goes once the release is uninstalled (or kept). */
  public DeleteControl cleanup(HelmRelease release, ReleaseCache cache) {
    Reconciliation r = new Reconciliation(release, cache, Duration.ZERO);
    Outcome outcome;
    try (var acting = impersonation.actFor(release)) {
      outcome = uninstall.act(r, ReleaseClassifier.classify(ReleaseFacts.unplanned(release, instance,
          clock.instant())));
    }
    record(r, outcome);
    switch (outcome.step()) {
      case DONE -> {
        settleWindow.forget(release);
        drift.forget(release);
        references.forget(release);
        return DeleteControl.defaultDelete();
      }
      case RETRY -> throw new IllegalStateException(outcome.failure().getMessage(), outcome.failure());
      default -> {
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(outcome.after().orElse(Duration.ofMinutes(1)));
      }
    }
  }
}
