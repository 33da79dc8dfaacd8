package io.helmop.operator.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.api.v1alpha1.DriftedObject;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.HistoryEntry;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.api.v1alpha1.RollbackStatus;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.policy.PolicyReport;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.TestRun;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds every status helmop writes, in one place. Each method returns a new status computed from the
 * current one, so an unchanged situation yields an equal status and no write.
 */
public class StatusFactory {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;
  private final String instance;
  private final Redaction redaction;

  public StatusFactory(Clock clock) {
    this(clock, "");
  }

  /** @param instance this operator process: only attempts it started are ended here (others were interrupted) */
  public StatusFactory(Clock clock, String instance) {
    this(clock, instance, new Redaction());
  }

  /** @param redaction takes secrets out of every condition message */
  public StatusFactory(Clock clock, String instance, Redaction redaction) {
    this.clock = clock;
    this.instance = instance;
    this.redaction = redaction;
  }


  /** An install, upgrade or rollback starts: recorded (with who starts it) before Helm is called. */
  public HelmReleaseStatus progressing(HelmRelease release, String message, LastAttempt attempt) {
    HelmReleaseStatus status = copy(release);
    if (attempt != null) {
      status.setLastAttempt(attempt);
    }
    set(release, status, Conditions.READY, Conditions.UNKNOWN, Reasons.PROGRESSING, message);
    set(release, status, Conditions.RECONCILING, Conditions.TRUE, Reasons.PROGRESSING, message);
    set(release, status, Conditions.STALLED, Conditions.FALSE, Reasons.PROGRESSING, message);
    return status;
  }

  /**
   * The release is deployed and ready. The history keeps the digests helmop recorded for earlier revisions.
   */
  public HelmReleaseStatus released(HelmRelease release, String reason, ReleaseRecord deployed,
      List<ReleaseRecord> history, String digest) {
    HelmReleaseStatus status = copy(release);
    String message = "Release " + deployed.name() + " revision " + deployed.revision() + " (" + deployed.chart()
        + ") is deployed and ready in namespace " + deployed.namespace();
    set(release, status, Conditions.READY, Conditions.TRUE, reason, message);
    set(release, status, Conditions.RECONCILING, Conditions.FALSE, reason, message);
    set(release, status, Conditions.STALLED, Conditions.FALSE, reason, message);
    set(release, status, Conditions.RELEASED, Conditions.TRUE, reason, message);
    status.setLastAppliedRevision(deployed.revision());
    status.setLastAppliedDigest(digest);
    status.setChart(deployed.chart());
    status.setAppVersion(deployed.appVersion());
    status.setHistory(history(release, status, history, deployed.revision(), digest));
    status.setObservedGeneration(release.getMetadata().getGeneration());
    boolean helmJustReleased = status.getLastAttempt() != null
        && LastAttempt.RUNNING.equals(status.getLastAttempt().getResult());
    finish(status.getLastAttempt(), true, false);
    status.setRollback(null);
    tests(release, status, deployed);
    // a rolled-back state ends here; a refused request stays visible until the next Helm release
    if (helmJustReleased || Conditions.find(status.getConditions(), Conditions.ROLLED_BACK)
        .map(c -> Conditions.TRUE.equals(c.getStatus())).orElse(false)) {
      status.setConditions(Conditions.remove(status.getConditions(), Conditions.ROLLED_BACK));
    }
    return status;
  }

  /**
   * TestSuccess from what `helm test` left in the deployed revision's record (spec.test), or no such condition when
   * the tests are off (nothing stale to read).
   */
  private void tests(HelmRelease release, HelmReleaseStatus status, ReleaseRecord deployed) {
    var test = release.getSpec().getTest();
    if (test == null || !Boolean.TRUE.equals(test.getEnable())) {
      status.setConditions(Conditions.remove(status.getConditions(), Conditions.TEST_SUCCESS));
      return;
    }
    TestRun run = TestRun.of(deployed);
    String revision = "revision " + deployed.revision() + " (" + deployed.chart() + ")";
    if (run.tests().isEmpty()) {
      set(release, status, Conditions.TEST_SUCCESS, Conditions.TRUE, Reasons.TEST_SUCCEEDED, "Chart of " + revision
          + " has no tests (no hook annotated helm.sh/hook: test): nothing to run.");
    } else if (!run.failed().isEmpty()) {
      set(release, status, Conditions.TEST_SUCCESS, Conditions.FALSE, Reasons.TEST_FAILED, "Test "
          + String.join(", ", run.failed()) + " of " + revision + " failed; the release is kept because "
          + "spec.test.ignoreFailures is true. `helm test` output: kubectl logs of the test pods.");
    } else if (!run.notRun().isEmpty()) {
      set(release, status, Conditions.TEST_SUCCESS, Conditions.UNKNOWN, Reasons.TESTS_NOT_RUN, "Test "
          + String.join(", ", run.notRun()) + " of " + revision + " has not run (spec.test was off when it was "
          + "released); helmop runs the tests after the next install or upgrade.");
    } else {
      set(release, status, Conditions.TEST_SUCCESS, Conditions.TRUE, Reasons.TEST_SUCCEEDED, "All tests of "
          + revision + " passed: " + String.join(", ", run.tests()) + ".");
    }
  }

  /**
   * The release runs a revision rolled back to on request: deployed and ready (Ready=True, reason RolledBack),
   * but not what the spec describes, which the message says.
   */
  public HelmReleaseStatus rolledBack(HelmRelease release, ReleaseRecord deployed, List<ReleaseRecord> history,
      RollbackStatus rollback) {
    HelmReleaseStatus status = copy(release);
    String message = "Release " + deployed.name() + " revision " + deployed.revision() + " (" + deployed.chart()
        + ") is deployed and ready: it reproduces revision " + rollback.getToRevision() + ", rolled back to on "
        + "request (annotation helmop.io/rollback-to). The spec's chart and values are not applied; helmop keeps "
        + "this revision until the spec or the values change.";
    set(release, status, Conditions.READY, Conditions.TRUE, Reasons.ROLLED_BACK, message);
    set(release, status, Conditions.RECONCILING, Conditions.FALSE, Reasons.ROLLED_BACK, message);
    set(release, status, Conditions.STALLED, Conditions.FALSE, Reasons.ROLLED_BACK, message);
    set(release, status, Conditions.RELEASED, Conditions.TRUE, Reasons.ROLLED_BACK, message);
    boolean refusedSince = Conditions.find(status.getConditions(), Conditions.ROLLED_BACK)
        .map(c -> Conditions.FALSE.equals(c.getStatus())).orElse(false) && status.getRollback() != null
        && java.util.Objects.equals(status.getRollback().getRevision(), rollback.getRevision());
    if (!refusedSince) { // a later refused request stays visible; the Ready message still tells the held state
      set(release, status, Conditions.ROLLED_BACK, Conditions.TRUE, Reasons.ROLLBACK_SUCCEEDED, message);
    }
    status.setLastAppliedRevision(deployed.revision());
    status.setChart(deployed.chart());
    status.setAppVersion(deployed.appVersion());
    status.setHistory(history(release, status, history, deployed.revision(), null));
    status.setObservedGeneration(release.getMetadata().getGeneration());
    status.setRollback(rollback);
    finish(status.getLastAttempt(), true, false);
    return status;
  }

  /** A rollback request was refused or failed: said on the RolledBack condition; Ready is left as it is. */
  public HelmReleaseStatus rollbackNotDone(HelmRelease release, String reason, String message) {
    HelmReleaseStatus status = copy(release);
    set(release, status, Conditions.ROLLED_BACK, Conditions.FALSE, reason, message);
    return status;
  }

  /** A requested rollback failed (and Helm's atomic mode undid it): helmop goes back to the spec. */
  public HelmReleaseStatus rollbackFailed(HelmRelease release, String message) {
    HelmReleaseStatus status = copy(release);
    set(release, status, Conditions.READY, Conditions.FALSE, Reasons.ROLLBACK_FAILED, message);
    set(release, status, Conditions.RECONCILING, Conditions.TRUE, Reasons.ROLLBACK_FAILED, message);
    set(release, status, Conditions.STALLED, Conditions.FALSE, Reasons.ROLLBACK_FAILED, message);
    set(release, status, Conditions.ROLLED_BACK, Conditions.FALSE, Reasons.ROLLBACK_FAILED, message);
    finish(status.getLastAttempt(), false, false);
    return status;
  }

  /**
   * What the policy rules found, on top of {@code base}: PolicyCompliant and status.policy, or neither when the
   * policy is Disabled (nothing stale is left to read).
   */
  public HelmReleaseStatus policy(HelmRelease release, HelmReleaseStatus base, PolicyReport report) {
    HelmReleaseStatus status = copy(base);
    if (report.disabled()) {
      status.setConditions(Conditions.remove(status.getConditions(), Conditions.POLICY_COMPLIANT));
      status.setPolicy(null);
      return status;
    }
    set(release, status, Conditions.POLICY_COMPLIANT, report.compliant() ? Conditions.TRUE : Conditions.FALSE,
        report.compliant() ? Reasons.RULES_PASSED : Reasons.RULES_VIOLATED, report.message());
    status.setPolicy(report.toStatus());
    if (status.getPolicy() != null && status.getPolicy().getViolations() != null) {
      status.getPolicy().getViolations().forEach(v -> v.setMessage(redaction.scrub(v.getMessage())));
    }
    return status;
  }

  /** Ends a running attempt: succeeded resets the failure count; a failed one adds to it when it counts. */
  private void finish(LastAttempt attempt, boolean succeeded, boolean countsAsFailure) {
    if (attempt == null || !LastAttempt.RUNNING.equals(attempt.getResult())
        || !(succeeded || instance.equals(attempt.getOperatorInstance()))) {
      return;
    }
    attempt.setResult(succeeded ? LastAttempt.SUCCEEDED : LastAttempt.FAILED);
    int failures = attempt.getFailures() == null ? 0 : attempt.getFailures();
    attempt.setFailures(succeeded ? 0 : countsAsFailure ? failures + 1 : failures);
  }

  /**
   * A step failed or has to wait. Retries and waits leave Reconciling=True (helmop is still working on it);
   * stalls set Stalled=True until the spec changes. A failed Helm operation also sets Released=False.
   */
  public HelmReleaseStatus failed(HelmRelease release, ReconcileFailure failure, boolean helmFailed) {
    HelmReleaseStatus status = copy(release);
    String message = failure.getMessage();
    set(release, status, Conditions.READY, Conditions.FALSE, failure.reason(), message);
    switch (failure.kind()) {
      case RETRY -> {
        set(release, status, Conditions.RECONCILING, Conditions.TRUE, Reasons.PROGRESSING_WITH_RETRY, message);
        set(release, status, Conditions.STALLED, Conditions.FALSE, failure.reason(), message);
      }
      case WAIT -> {
        set(release, status, Conditions.RECONCILING, Conditions.TRUE, failure.reason(), message);
        set(release, status, Conditions.STALLED, Conditions.FALSE, failure.reason(), message);
      }
      case STALL -> {
        set(release, status, Conditions.RECONCILING, Conditions.FALSE, failure.reason(), message);
        set(release, status, Conditions.STALLED, Conditions.TRUE, failure.reason(), message);
      }
    }
    if (helmFailed) {
      set(release, status, Conditions.RELEASED, Conditions.FALSE, failure.reason(), message);
    }
    if (Reasons.TEST_FAILED.equals(failure.reason())) {
      set(release, status, Conditions.TEST_SUCCESS, Conditions.FALSE, Reasons.TEST_FAILED, message);
    }
    // an attempt ends here however it failed; only a failed Helm operation counts against the retries
    finish(status.getLastAttempt(), false, helmFailed);
    status.setObservedGeneration(release.getMetadata().getGeneration());
    return status;
  }

  /**
   * The outcome of a drift check, Drifted=True/False with its reason and the drifted objects, on top of
   * {@code base} (the status this reconcile is about to write, so that one write carries both).
   */
  public HelmReleaseStatus drift(HelmRelease release, HelmReleaseStatus base, boolean drifted, String reason,
      String message, List<DriftedObject> objects) {
    HelmReleaseStatus status = copy(base);
    set(release, status, Conditions.DRIFTED, drifted ? Conditions.TRUE : Conditions.FALSE, reason, message);
    status.setDrift(objects.isEmpty() ? null : objects);
    return status;
  }

  /** The drift check itself failed: whether the objects match is not known. */
  public HelmReleaseStatus driftUnknown(HelmRelease release, HelmReleaseStatus base, String reason, String message) {
    HelmReleaseStatus status = copy(base);
    set(release, status, Conditions.DRIFTED, Conditions.UNKNOWN, reason, message);
    return status;
  }

  /** spec.driftDetection.mode is Disabled: say nothing about drift rather than something stale. */
  public HelmReleaseStatus driftUnchecked(HelmReleaseStatus base) {
    HelmReleaseStatus status = copy(base);
    status.setConditions(Conditions.remove(status.getConditions(), Conditions.DRIFTED));
    status.setDrift(null);
    return status;
  }

  /** The count of failed attempts starts again, on request (annotation reconcile.helmop.io/resetAt=token). */
  public HelmReleaseStatus retriesReset(HelmRelease release, String token) {
    HelmReleaseStatus status = copy(release);
    if (status.getLastAttempt() != null) {
      status.getLastAttempt().setFailures(0);
    }
    status.setLastHandledResetAt(token);
    return status;
  }

  /** {@code status} (or, when the reconcile has none to write, the current one) answering a reconcile request. */
  public HelmReleaseStatus reconcileAnswered(HelmRelease release, HelmReleaseStatus status, String token) {
    HelmReleaseStatus answered = status == null ? copy(release) : copy(status);
    answered.setLastHandledReconcileAt(token);
    return answered;
  }

  /** "Progressing", answering a forced upgrade request (annotation reconcile.helmop.io/forceAt=token) too. */
  public HelmReleaseStatus forcing(HelmReleaseStatus progressing, String token) {
    HelmReleaseStatus status = copy(progressing);
    status.setLastHandledForceAt(token);
    return status;
  }

  public HelmReleaseStatus suspended(HelmRelease release) {
    HelmReleaseStatus status = copy(release);
    set(release, status, Conditions.RECONCILING, Conditions.FALSE, Reasons.SUSPENDED,
        "spec.suspend is true: helmop takes no action on this release until it is set to false.");
    status.setObservedGeneration(release.getMetadata().getGeneration());
    return status;
  }

  private List<HistoryEntry> history(HelmRelease release, HelmReleaseStatus status, List<ReleaseRecord> records,
      int newRevision, String newDigest) {
    Map<Integer, String> knownDigests = status.getHistory().stream()
        .filter(e -> e.getRevision() != null && e.getDigest() != null)
        .collect(Collectors.toMap(HistoryEntry::getRevision, HistoryEntry::getDigest, (a, b) -> a));
    knownDigests.put(newRevision, newDigest);
    int max = release.getSpec().getMaxHistory() == null ? 10 : release.getSpec().getMaxHistory();
    List<HistoryEntry> entries = new ArrayList<>();
    records.stream().limit(max).forEach(r -> entries.add(new HistoryEntry(r.revision(), r.chartVersion(),
        r.appVersion(), r.status(), r.lastDeployed(), knownDigests.get(r.revision()))));
    return entries;
  }

  private void set(HelmRelease release, HelmReleaseStatus status, String type, String value, String reason,
      String message) {
    status.setConditions(Conditions.set(status.getConditions(), type, value, reason, redaction.scrub(message),
        release.getMetadata().getGeneration(), clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
  }

  private static HelmReleaseStatus copy(HelmRelease release) {
    return copy(release.getStatus());
  }

  private static HelmReleaseStatus copy(HelmReleaseStatus status) {
    return status == null ? new HelmReleaseStatus() : JSON.convertValue(status, HelmReleaseStatus.class);
  }

  /**
   * True when both serialise to the same JSON (statuses, or parts of them such as status.drift), i.e. writing
   * one over the other changes nothing.
   */
  public static boolean same(Object a, Object b) {
    return java.util.Objects.equals(a == null ? null : JSON.valueToTree(a), b == null ? null : JSON.valueToTree(b));
  }

}
