package io.helmop.operator.drift;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.api.v1alpha1.DriftDetectionSpec.Mode;
import io.helmop.api.v1alpha1.DriftedObject;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.Conditions;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check of a deployed release's objects: finds drift, corrects it in mode Enabled, and says what to write
 * (the status the reconcile is about to write, with the drift outcome on top: one status write) and which
 * Events to record.
 */
public class SelfHeal {
  private static final Logger LOG = LoggerFactory.getLogger(SelfHeal.class);

  private final DriftCheck drift;
  private final StatusFactory statuses;

  public SelfHeal(DriftCheck drift, StatusFactory statuses) {
    this.drift = drift;
    this.statuses = statuses;
  }

  /**
   * @param status the status to write, with Drifted and status.drift set
   * @param recheck when to look again, if a contested correction has to wait
   */
  public record Result(HelmReleaseStatus status, List<Notice> notices, Optional<Duration> recheck) {}

  /**
   * Reports objects that differ from the deployed revision's manifest on top of {@code base} and, in mode
   * Enabled, re-applies them. A check that breaks (a bug, an API server that is down) still lets {@code base}
   * be written, so that what Helm just released is recorded and never released again.
   */
  public Result keepInSync(HelmRelease release, HelmReleaseStatus base, ReleaseRecord deployed, IgnoreRules ignore) {
    try {
      return check(release, base, deployed, ignore);
    } catch (RuntimeException e) {
      String message = "helmop could not check the objects of revision " + deployed.revision() + " for drift: "
          + e.getMessage() + ". It checks again at the next event or interval.";
      LOG.warn(message, e);
      return new Result(statuses.driftUnknown(release, base, Reasons.DRIFT_CHECK_FAILED, message),
          List.of(Notice.warningOnChange(Reasons.DRIFT_CHECK_FAILED, message)), Optional.empty());
    }
  }

  private Result check(HelmRelease release, HelmReleaseStatus base, ReleaseRecord deployed, IgnoreRules ignore) {
    Mode mode = DriftCheck.mode(release);
    if (mode == Mode.Disabled) {
      drift.forget(release);
      return new Result(statuses.driftUnchecked(base), List.of(), Optional.empty());
    }
    DriftCheck.DriftFindings findings = drift.detect(release, deployed, ignore);
    if (findings.isEmpty()) {
      return new Result(statuses.drift(release, base, false, Reasons.NO_DRIFT, "The objects of revision "
          + deployed.revision() + " match the release.", List.of()), List.of(), Optional.empty());
    }
    String found = findings.describe();
    List<DriftedObject> objects = DriftDescriptions.forStatus(findings.drifted());
    String action = mode == Mode.Enabled ? "; helmop re-applies the release's objects"
        : "; spec.driftDetection.mode is Warn: not corrected";
    List<Notice> notices = new ArrayList<>();
    HelmReleaseStatus status = base;
    if (!alreadyReported(release, objects, mode)) {
      status = statuses.drift(release, base, true, Reasons.DRIFT_DETECTED, found + action, objects);
      notices.add(Notice.warningOnChange(Reasons.DRIFT_DETECTED, "Drift detected: " + found + action));
    }
    if (mode == Mode.Warn) {
      return new Result(status, notices, Optional.empty());
    }
    DriftCheck.Correction correction = drift.correct(findings);
    if (!correction.corrected().isEmpty()) {
      notices.add(Notice.normal(Reasons.DRIFT_CORRECTED, "Re-applied "
          + DriftDescriptions.describe(correction.corrected())));
    }
    String problem = null;
    String reason = null;
    if (!correction.failed().isEmpty()) {
      reason = Reasons.CORRECTION_FAILED;
      problem = "helmop could not re-apply " + correction.failed().entrySet().stream()
          .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "))
          + ". Grant the operator permission to patch these objects, or exempt them (spec.driftDetection.ignore).";
    } else if (!correction.contested().isEmpty()) {
      reason = Reasons.CORRECTION_CONTESTED;
      problem = "Something keeps reverting helmop's corrections of " + correction.contested().stream()
          .map(Object::toString).collect(Collectors.joining(", ")) + " (" + found + "). helmop backs off (2 s, x3, "
          + "up to 5 min) instead of fighting; find the other controller, or exempt the fields with "
          + "spec.driftDetection.ignore.";
    }
    if (problem != null) {
      status = statuses.drift(release, status, true, reason, problem, objects);
      notices.add(Notice.warningOnChange(reason, problem));
    }
    return new Result(status, notices, correction.retryAfter());
  }

  /**
   * Whether Drifted=True already says enough: the same objects are reported, or, when helmop is about to
   * correct, a failed or contested correction is reported (the outcome of this attempt will replace it, rather
   * than the reason flapping back to DriftDetected in between).
   */
  private static boolean alreadyReported(HelmRelease release, List<DriftedObject> objects, Mode mode) {
    HelmReleaseStatus status = release.getStatus();
    Optional<Condition> drifted = status == null ? Optional.empty()
        : Conditions.find(status.getConditions(), Conditions.DRIFTED)
            .filter(c -> Conditions.TRUE.equals(c.getStatus()));
    if (drifted.isEmpty()) {
      return false;
    }
    boolean correctionInTrouble = mode == Mode.Enabled
        && List.of(Reasons.CORRECTION_FAILED, Reasons.CORRECTION_CONTESTED).contains(drifted.get().getReason());
    return correctionInTrouble || StatusFactory.same(status.getDrift(), objects);
  }
}
