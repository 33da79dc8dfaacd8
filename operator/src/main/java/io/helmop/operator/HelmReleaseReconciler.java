package io.helmop.operator;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.operator.config.Durations;
import io.helmop.operator.dependency.Dependencies;
import io.helmop.operator.dependency.DependencyEventSource;
import io.helmop.operator.dependency.SettleWindow;
import io.helmop.operator.drift.DriftCheck;
import io.helmop.operator.drift.IgnoreRules;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.drift.SelfHeal;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.HookCheck;
import io.helmop.operator.release.Preflight;
import io.helmop.operator.release.ReleasePlanner;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.Releaser;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.rollback.Rollbacks;
import io.helmop.operator.status.Conditions;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.status.StatusWriter;
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
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a HelmRelease: plan the release (chart + values), act on a rollback request, and when the release
 * differs from what was last applied (and retries are left), preflight it, release it through Helm and record
 * the outcome. An unchanged HelmRelease costs no Helm call
 * and no status write.
 */
@ControllerConfiguration(name = "helmrelease", finalizerName = HelmReleaseReconciler.FINALIZER,
    fieldManager = "helmop", generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = HelmReleaseUpdateFilter.class))
public class HelmReleaseReconciler implements Reconciler<HelmRelease>, Cleaner<HelmRelease> {
  public static final String FINALIZER = "helmop.io/uninstall";
  /** On a HelmRelease being deleted: uninstall it even though other releases still depend on it. */
  public static final String IGNORE_DEPENDENTS = "helmop.io/ignore-dependents";
  private static final Logger LOG = LoggerFactory.getLogger(HelmReleaseReconciler.class);

  private final ReleasePlanner planner;
  private final ReleaseRecords records;
  private final Preflight preflight;
  private final Releaser releaser;
  private final HelmEngine helm;
  private final StatusFactory statuses;
  private final StatusWriter statusWriter;
  private final EventRecorder events;
  private final SettleWindow settleWindow;
  private final ReferenceWatcher references;
  private final Remediation remediation;
  private final Rollbacks rollbacks;
  private final DriftCheck drift;
  private final SelfHeal selfHeal;
  private final ManagedObjectWatcher managedObjects;

  public HelmReleaseReconciler(ReleasePlanner planner, ReleaseRecords records, Preflight preflight,
      Releaser releaser, HelmEngine helm, StatusFactory statuses, StatusWriter statusWriter, EventRecorder events,
      SettleWindow settleWindow, ReferenceWatcher references, Remediation remediation, Rollbacks rollbacks,
      DriftCheck drift, ManagedObjectWatcher managedObjects) {
    this.planner = planner;
    this.records = records;
    this.preflight = preflight;
    this.releaser = releaser;
    this.helm = helm;
    this.statuses = statuses;
    this.statusWriter = statusWriter;
    this.events = events;
    this.settleWindow = settleWindow;
    this.references = references;
    this.remediation = remediation;
    this.rollbacks = rollbacks;
    this.drift = drift;
    this.selfHeal = new SelfHeal(drift, statuses, statusWriter, events);
    this.managedObjects = managedObjects;
  }

  @Override
  public List<EventSource<?, HelmRelease>> prepareEventSources(EventSourceContext<HelmRelease> context) {
    return List.of(DependencyEventSource.create(context), references.eventSource(), managedObjects.eventSource());
  }

  @Override
  public UpdateControl<HelmRelease> reconcile(HelmRelease release, Context<HelmRelease> context)
      throws ReconcileFailure {
    LOG.debug("Reconciling generation {}", release.getMetadata().getGeneration());
    if (Boolean.TRUE.equals(release.getSpec().getSuspend())) {
      statusWriter.write(release, statuses.suspended(release), context);
      return UpdateControl.noUpdate();
    }
    Duration interval = Durations.interval(release.getSpec().getInterval());
    references.follow(release); // before composing: a missing ConfigMap's creation must wake the release
    try {
      Dependencies dependencies = Dependencies.of(context.getPrimaryCache());
      dependencies.validate(release);
      dependencies.checkNoCycle(release);
      IgnoreRules ignore = drift.ignoreRules(release);
      DesiredRelease desired = planner.plan(release);
      List<ReleaseRecord> history = records.history(desired.namespace(), desired.releaseName());
      if (rollbacks.handle(release, desired, history, maxHistory(release), context)) {
        return UpdateControl.<HelmRelease>noUpdate().rescheduleAfter(interval);
      }
      if (rollbacks.holds(release, desired, history)) {
        release = rollbacks.keep(release, history, context);
        return rescheduleAfter(interval,
            selfHeal.keepInSync(release, release.getStatus(), history.get(0), ignore, context));
      }
      boolean changed = !isApplied(release, desired, history);
      if (changed) {
        // only a Helm call waits for dependencies: an applied release stays Ready while a foundation upgrades
        Optional<Duration> settling = settleWindow.remaining(release);
        if (settling.isPresent()) {
          return UpdateControl.<HelmRelease>noUpdate().rescheduleAfter(settling.get());
        }
        dependencies.awaitReady(release);
        remediation.checkAttemptsLeft(release, desired, history, lastHelmFailure(release));
        String plan = describe(release, desired, history);
        LOG.info(plan);
        LastAttempt previous = release.getStatus() == null ? null : release.getStatus().getLastAttempt();
        release = statusWriter.write(release, statuses.progressing(release, plan, remediation.start(release,
            desired, Remediation.action(history), Remediation.nextRevision(history))), context);
        preflight.check(desired);
        releaser.apply(release, desired, history, maxHistory(release), previous, superseded(release, context));
        history = records.history(desired.namespace(), desired.releaseName());
      }
      HelmReleaseStatus released = released(release, desired, history, changed);
      return rescheduleAfter(interval, selfHeal.keepInSync(release, released, history.get(0), ignore, context));
    } catch (ReconcileFailure failure) {
      // recorded against the resource as this reconcile left it (it may have written "Progressing")
      recordFailure(release, failure, context);
      if (failure.isRetryable()) {
        throw failure; // JOSDK retries with exponential backoff
      }
    }
    return UpdateControl.<HelmRelease>noUpdate().rescheduleAfter(interval);
  }

  /**
   * True once the HelmRelease has a newer generation than the one being released, or is being deleted: the Helm
   * operation in flight is then stopped rather than waited for (the informer's cache sees the change at once).
   */
  private static BooleanSupplier superseded(HelmRelease release, Context<HelmRelease> context) {
    long generation = release.getMetadata().getGeneration();
    ResourceID id = ResourceID.fromResource(release);
    return () -> context.getPrimaryCache().get(id)
        .map(latest -> latest.getMetadata().getGeneration() > generation || latest.isMarkedForDeletion())
        .orElse(true);
  }

  /** At the interval, or sooner when a contested drift correction is due. */
  private static UpdateControl<HelmRelease> rescheduleAfter(Duration interval, Optional<Duration> recheck) {
    Duration next = recheck.filter(r -> r.compareTo(interval) < 0).orElse(interval);
    return UpdateControl.<HelmRelease>noUpdate().rescheduleAfter(next);
  }

  @Override
  public ErrorStatusUpdateControl<HelmRelease> updateErrorStatus(HelmRelease release, Context<HelmRelease> context,
      Exception e) {
    if (!(e instanceof ReconcileFailure)) { // ReconcileFailures were recorded where they happened
      recordFailure(release, ReconcileFailure.retryable("ReconcileError", "helmop could not reconcile this "
          + "release: " + e.getMessage() + ". helmop retries with backoff.", e), context);
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  @Override
  public DeleteControl cleanup(HelmRelease release, Context<HelmRelease> context) {
    Dependencies dependencies = Dependencies.of(context.getPrimaryCache());
    List<HelmRelease> dependents = dependencies.dependents(release);
    if (!dependents.isEmpty() && !ignoresDependents(release) && !dependencies.isInCycle(release)) {
      return waitForDependents(release, dependents, context);
    }
    if (Boolean.TRUE.equals(release.getSpec().getSuspend())) {
      LOG.info("HelmRelease is suspended: leaving Helm release {} in namespace {} installed",
          release.releaseName(), release.targetNamespace());
      forget(release);
      return DeleteControl.defaultDelete();
    }
    try {
      helm.uninstall(release.releaseName(), release.targetNamespace());
    } catch (HelmException e) {
      events.warning(release, "UninstallFailed", "Uninstall of release " + release.releaseName() + " failed: "
          + e.getMessage() + ". helmop retries with backoff; the HelmRelease stays until it succeeds.");
      throw e;
    }
    forget(release);
    LOG.info("Uninstalled release {} from namespace {}", release.releaseName(), release.targetNamespace());
    events.normal(release, "Uninstalled", "Release " + release.releaseName() + " was uninstalled from namespace "
        + release.targetNamespace());
    return DeleteControl.defaultDelete();
  }

  private void forget(HelmRelease release) {
    settleWindow.forget(release);
    drift.forget(release);
    references.forget(release);
  }

  private static boolean ignoresDependents(HelmRelease release) {
    var annotations = release.getMetadata().getAnnotations();
    return annotations != null && "true".equals(annotations.get(IGNORE_DEPENDENTS));
  }

  /**
   * A foundation goes after the releases that need it. Their deletion wakes this release (the dependency event
   * source); a short poll covers only the moment between their deletion and the cache noticing it.
   */
  private DeleteControl waitForDependents(HelmRelease release, List<HelmRelease> dependents,
      Context<HelmRelease> context) {
    String names = dependents.stream().map(Dependencies::key).sorted().collect(Collectors.joining(", "));
    recordFailure(release, ReconcileFailure.waiting("DependentsExist", "Not uninstalling yet: HelmRelease "
        + names + " depend(s) on this release through spec.dependsOn. Delete them first; to remove this release "
        + "anyway, annotate it " + IGNORE_DEPENDENTS + "=true."), context);
    boolean dependentsLeaving = dependents.stream().allMatch(d -> d.getMetadata().getDeletionTimestamp() != null);
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(dependentsLeaving ? 2_000 : 60_000);
  }

  /** Applied = Helm's newest revision is deployed and is the one helmop made from this very digest. */
  private static boolean isApplied(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history) {
    HelmReleaseStatus status = release.getStatus();
    if (status == null || history.isEmpty() || !history.get(0).isDeployed()) {
      return false;
    }
    return desired.digest().equals(status.getLastAppliedDigest())
        && Integer.valueOf(history.get(0).revision()).equals(status.getLastAppliedRevision());
  }

  /** The status of a deployed release (written together with the drift check's outcome), and its Events. */
  private HelmReleaseStatus released(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history,
      boolean helmCalled) {
    ReleaseRecord deployed = history.get(0);
    String reason = deployed.revision() == 1 ? "InstallSucceeded" : "UpgradeSucceeded";
    if (helmCalled) {
      LOG.info("Release {} revision {} ({}) is deployed and ready", deployed.name(), deployed.revision(),
          deployed.chart());
      events.normal(release, reason, "Release " + deployed.name() + " revision " + deployed.revision() + " ("
          + deployed.chart() + ") is deployed and ready");
      List<String> unboundedHooks = HookCheck.unboundedJobs(deployed);
      if (!unboundedHooks.isEmpty()) {
        LOG.warn("Release {} revision {}: {}", deployed.name(), deployed.revision(), HookCheck.message(unboundedHooks));
        events.warning(release, "HookWithoutDeadline", HookCheck.message(unboundedHooks));
      }
    }
    return statuses.released(release, reason, deployed, history, desired.digest());
  }

  private void recordFailure(HelmRelease release, ReconcileFailure failure, Context<HelmRelease> context) {
    HelmRelease written = statusWriter.write(release,
        statuses.failed(release, failure, Releaser.isHelmFailure(failure)), context);
    if (written == release) {
      return;
    }
    if (failure.kind() == ReconcileFailure.Kind.WAIT) {
      LOG.info("{}: {}", failure.reason(), failure.getMessage());
      events.normal(release, failure.reason(), failure.getMessage());
    } else {
      LOG.warn("{}: {}", failure.reason(), failure.getMessage());
      events.warning(release, failure.reason(), failure.getMessage());
    }
  }

  private static String describe(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history) {
    boolean adopting = !history.isEmpty() && history.get(0).isDeployed()
        && (release.getStatus() == null || release.getStatus().getLastAppliedRevision() == null);
    String verb = Releaser.isInstall(history) ? "Installing"
        : adopting ? "Adopting Helm release " + desired.releaseName() + " (revision " + history.get(0).revision()
            + ", " + history.get(0).chart() + ", installed by another client): upgrading it to"
        : "Upgrading";
    return verb + " chart " + desired.chart().nameAndVersion() + " as release " + desired.releaseName()
        + " in namespace " + desired.namespace();
  }

  /** Helm's message of the last failed install/upgrade, kept on the Released condition. */
  private static String lastHelmFailure(HelmRelease release) {
    return release.getStatus() == null ? null : Conditions.find(release.getStatus().getConditions(),
        Conditions.RELEASED).filter(c -> Conditions.FALSE.equals(c.getStatus())).map(c -> c.getMessage())
        .orElse(null);
  }

  private static int maxHistory(HelmRelease release) {
    Integer max = release.getSpec().getMaxHistory();
    return max == null ? 10 : max;
  }
}
