package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Notice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an action did, for the reconciler to record: the status to write (once, when it changed), the Events
 * to record, and when to look again. Actions return an outcome instead of throwing for control flow.
 *
 * @param status the whole status to write; null: build it from the failure (or write nothing when there is none)
 * @param failure why the release is not Ready (wait, retry, stall); null when it is
 * @param helmFailed the failure is Helm's own (install/upgrade failed): it counts against the retries
 * @param notices Events to record
 * @param after when to reconcile again at the latest (the interval applies when empty)
 */
public record Outcome(Step step, HelmReleaseStatus status, ReconcileFailure failure, boolean helmFailed,
    List<Notice> notices, Optional<Duration> after) {

  public enum Step {
    /** The release is as the spec asks (or held on a rollback): status says so. */
    DONE,
    /** The action changed Helm's state: classify again and take the next action in the same reconcile. */
    CONTINUE,
    /** Nothing to do until an event (a dependency, a new generation) or a time. */
    WAIT,
    /** Failed: JOSDK retries with exponential backoff. */
    RETRY,
    /** Retrying cannot help until the spec or the chart source changes. */
    STALLED
  }

  public static Outcome done(HelmReleaseStatus status, List<Notice> notices, Optional<Duration> after) {
    return new Outcome(Step.DONE, status, null, false, notices, after);
  }

  /** Classify again; the Events are recorded with the outcome the reconcile ends with. */
  public static Outcome next(Notice... notices) {
    return new Outcome(Step.CONTINUE, null, null, false, List.of(notices), Optional.empty());
  }

  /** Look again after {@code delay}, writing nothing. */
  public static Outcome requeue(Duration delay) {
    return new Outcome(Step.WAIT, null, null, false, List.of(), Optional.of(delay));
  }

  /** A failure (a wait, a retry or a stall by its kind), reported on Ready and in an Event. */
  public static Outcome of(ReconcileFailure failure) {
    return of(failure, false, Optional.empty());
  }

  public static Outcome of(ReconcileFailure failure, boolean helmFailed, Optional<Duration> after) {
    Step step = switch (failure.kind()) {
      case WAIT -> Step.WAIT;
      case RETRY -> Step.RETRY;
      case STALL -> Step.STALLED;
    };
    return new Outcome(step, null, failure, helmFailed, List.of(), after);
  }

  /** This outcome with a status written instead of the one built from the failure. */
  public Outcome withStatus(HelmReleaseStatus written) {
    return new Outcome(step, written, failure, helmFailed, notices, after);
  }

  /** This outcome with more Events, before its own. */
  public Outcome withNotices(List<Notice> earlier) {
    List<Notice> all = new ArrayList<>(earlier);
    all.addAll(notices);
    return new Outcome(step, status, failure, helmFailed, List.copyOf(all), after);
  }
}
