package io.helmop.operator.drift;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.api.v1alpha1.DriftDetectionSpec.Mode;
import io.helmop.api.v1alpha1.DriftedObject;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.Conditions;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.status.StatusWriter;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The reconcile step after a release is deployed: checks its objects for drift, writes the released status
 * together with the outcome (one status write per reconcile), corrects in mode Enabled, and records Events.
 */
public class SelfHeal {
  private final DriftCheck drift;
  private final StatusFactory statuses;
  private final StatusWriter statusWriter;
  private final EventRecorder events;

  public SelfHeal(DriftCheck drift, StatusFactory statuses, StatusWriter statusWriter, EventRecorder events) {
    this.drift = drift;
    this.statuses = statuses;
    this.statusWriter = statusWriter;
    this.events = events;
  }

  /**
   * Writes {@code base} (the released status) with the drift outcome: reports objects that differ from the
   * deployed revision's manifest and, in mode Enabled, re-applies them. Returns when to look again if a
   * contested correction has to wait.
   */
  public Optional<Duration> keepInSync(HelmRelease release, HelmReleaseStatus base, ReleaseRecord deployed,
      IgnoreRules ignore, Context<HelmRelease> context) {
    Mode mode = DriftCheck.mode(release);
    if (mode == Mode.Disabled) {
      drift.forget(release);
      statusWriter.write(release, statuses.driftUnchecked(base), context);
      return Optional.empty();
    }
    DriftCheck.DriftFindings findings = drift.detect(release, deployed, ignore);
    if (findings.isEmpty()) {
      statusWriter.write(release, statuses.drift(release, base, false, "NoDrift", "The objects of revision "
          + deployed.revision() + " match the release.", List.of()), context);
      return Optional.empty();
    }
    String found = findings.describe();
    List<DriftedObject> objects = DriftDescriptions.forStatus(findings.drifted());
    String action = mode == Mode.Enabled ? "; helmop re-applies the release's objects"
        : "; spec.driftDetection.mode is Warn: not corrected";
    HelmRelease written;
    if (alreadyReported(release, objects, mode)) {
      written = statusWriter.write(release, base, context);
    } else {
      written = statusWriter.write(release, statuses.drift(release, base, true, "DriftDetected", found + action,
          objects), context);
      if (written != release) {
        events.warning(release, "DriftDetected", "Drift detected: " + found + action);
      }
    }
    if (mode == Mode.Warn) {
      return Optional.empty();
    }
    DriftCheck.Correction correction = drift.correct(findings);
    if (!correction.corrected().isEmpty()) {
      events.normal(release, "DriftCorrected", "Re-applied " + DriftDescriptions.describe(correction.corrected()));
    }
    if (!correction.failed().isEmpty()) {
      String failures = correction.failed().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
          .collect(Collectors.joining("; "));
      recordDriftProblem(written, "CorrectionFailed", "helmop could not re-apply " + failures
          + ". Grant the operator permission to patch these objects, or exempt them (spec.driftDetection.ignore).",
          objects, context);
    } else if (!correction.contested().isEmpty()) {
      String names = correction.contested().stream().map(Object::toString).collect(Collectors.joining(", "));
      recordDriftProblem(written, "CorrectionContested", "Something keeps reverting helmop's corrections of "
          + names + " (" + found + "). helmop backs off (2 s, x3, up to 5 min) instead of fighting; find the other "
          + "controller, or exempt the fields with spec.driftDetection.ignore.", objects, context);
    }
    return correction.retryAfter();
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
        && List.of("CorrectionFailed", "CorrectionContested").contains(drifted.get().getReason());
    return correctionInTrouble || StatusFactory.same(status.getDrift(), objects);
  }

  private void recordDriftProblem(HelmRelease release, String reason, String message, List<DriftedObject> objects,
      Context<HelmRelease> context) {
    if (statusWriter.write(release, statuses.drift(release, release.getStatus(), true, reason, message, objects),
        context) != release) {
      events.warning(release, reason, message);
    }
  }
}
