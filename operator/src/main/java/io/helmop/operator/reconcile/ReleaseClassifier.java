package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.api.v1alpha1.RollbackStatus;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.rollback.RollbackRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Names the state of a release from {@link ReleaseFacts}: a pure function (no I/O, the clock is a fact), so
 * every situation helmop handles is in this one place and its table test. The checks run in order of
 * precedence: the first that matches names the state.
 */
public final class ReleaseClassifier {
  /** How long after a Helm operation's timeout its pending revision counts as abandoned. */
  public static final Duration ABANDONED_AFTER = Duration.ofMinutes(1);

  private ReleaseClassifier() {}

  public static Classification classify(ReleaseFacts facts) {
    HelmRelease release = facts.release();
    if (release.isMarkedForDeletion()) {
      return state(ReleaseState.DELETING, "");
    }
    if (Boolean.TRUE.equals(release.getSpec().getSuspend())) {
      return state(ReleaseState.SUSPENDED, "spec.suspend is true");
    }
    if (RollbackRequest.of(release).isPresent()) {
      return state(ReleaseState.ROLLBACK_REQUESTED, "annotation " + RollbackRequest.ANNOTATION + "="
          + RollbackRequest.of(release).get().value());
    }
    if (DayTwoRequests.resetPending(release).isPresent()) {
      return state(ReleaseState.RESET_REQUESTED, "annotation " + DayTwoRequests.RESET + "="
          + DayTwoRequests.resetPending(release).get());
    }
    List<ReleaseRecord> history = facts.history();
    Optional<ReleaseRecord> newest = history.stream().findFirst();
    HelmReleaseStatus status = release.getStatus();
    if (newest.isPresent() && newest.get().isPending()) {
      return pending(facts, newest.get());
    }
    Optional<ReleaseRecord> lastDeployed = history.stream().filter(ReleaseRecord::isDeployed).findFirst();
    if (newest.isPresent() && newest.get().isMarkedFailedByHelmop() && !newest.get().isRestored()
        && lastDeployed.isPresent()) {
      return state(ReleaseState.FAILED_NOT_RESTORED, "revision " + newest.get().revision() + " ("
          + newest.get().description() + "); revision " + lastDeployed.get().revision() + " was the last deployed");
    }
    if (DayTwoRequests.forcePending(release).isPresent() && lastDeployed.isPresent()) {
      return state(ReleaseState.UPGRADE_FORCED, "annotation " + DayTwoRequests.FORCE + "="
          + DayTwoRequests.forcePending(release).get());
    }
    if (holdsRollback(facts)) {
      return state(ReleaseState.ROLLED_BACK, "revision " + newest.get().revision() + " reproduces revision "
          + status.getRollback().getToRevision());
    }
    if (isApplied(facts)) {
      return state(ReleaseState.IN_SYNC, "revision " + newest.get().revision() + " is what the spec asks for");
    }
    boolean install = history.isEmpty();
    int failures = Remediation.failuresSoFar(release, facts.desired());
    int retries = Remediation.retries(release, install);
    if (failures > retries) {
      return state(ReleaseState.RETRIES_EXHAUSTED, "failed " + failures + " times ("
          + (install ? "spec.install.retries=" : "spec.upgrade.retries=") + retries + ")");
    }
    if (install) {
      return state(ReleaseState.NOT_INSTALLED, "Helm has no revision of release " + facts.desired().releaseName());
    }
    if (newest.get().isDeployed() && (status == null || status.getLastAppliedRevision() == null)) {
      return state(ReleaseState.UNMANAGED, "revision " + newest.get().revision() + " (" + newest.get().chart()
          + ") was installed by another client");
    }
    return state(ReleaseState.OUT_OF_SYNC, outOfSyncBecause(status, newest.get(), facts));
  }

  /**
   * A pending revision locks the release. helmop never runs two operations on one release, so the revision comes
   * from another client still at work (a person's `helm upgrade`) or from one that was killed. When status says
   * an earlier helmop process started this very revision, that process is gone (this one would be running it
   * otherwise). Otherwise no Helm operation outlives its timeout: past the timeout plus a margin it is abandoned.
   */
  private static Classification pending(ReleaseFacts facts, ReleaseRecord pending) {
    LastAttempt attempt = facts.release().getStatus() == null ? null : facts.release().getStatus().getLastAttempt();
    if (attempt != null && LastAttempt.RUNNING.equals(attempt.getResult())
        && Integer.valueOf(pending.revision()).equals(attempt.getRevision())
        && attempt.getOperatorInstance() != null && !facts.instance().equals(attempt.getOperatorInstance())) {
      return state(ReleaseState.PENDING_ABANDONED, "the helmop process that started it ("
          + attempt.getOperatorInstance() + ") is gone");
    }
    Instant since = startedAt(pending);
    Instant abandonedAt = abandonedAt(facts, pending);
    if (!facts.now().isBefore(abandonedAt)) {
      return state(ReleaseState.PENDING_ABANDONED, "the operation that left it " + pending.status()
          + " is gone (since " + since + ", longer than its timeout plus " + ABANDONED_AFTER.toMinutes() + " minute)");
    }
    return state(ReleaseState.PENDING_LOCKED, "revision " + pending.revision() + " is " + pending.status()
        + " since " + since + "; it counts as abandoned at " + abandonedAt);
  }

  /** When a pending revision that no helmop process started counts as abandoned. */
  public static Instant abandonedAt(ReleaseFacts facts, ReleaseRecord pending) {
    Duration timeout = facts.desired() == null ? Duration.ZERO : facts.desired().request().timeout();
    return startedAt(pending).plus(timeout).plus(ABANDONED_AFTER);
  }

  private static Instant startedAt(ReleaseRecord record) {
    try {
      return OffsetDateTime.parse(record.lastDeployed()).toInstant();
    } catch (RuntimeException e) {
      return Instant.EPOCH; // unreadable: treat as old
    }
  }

  /** The release is on a revision rolled back to on request, and nothing it asks for has changed since. */
  private static boolean holdsRollback(ReleaseFacts facts) {
    HelmReleaseStatus status = facts.release().getStatus();
    RollbackStatus rollback = status == null ? null : status.getRollback();
    List<ReleaseRecord> history = facts.history();
    return rollback != null && !history.isEmpty() && history.get(0).isDeployed()
        && Integer.valueOf(history.get(0).revision()).equals(rollback.getRevision())
        && facts.desired().digest().equals(rollback.getHeldDigest());
  }

  /**
   * Applied = Helm's newest revision is deployed and is the one helmop made from this very digest: status says
   * so, or (when the status write after Helm's success was lost) the revision's own description does.
   */
  private static boolean isApplied(ReleaseFacts facts) {
    HelmReleaseStatus status = facts.release().getStatus();
    List<ReleaseRecord> history = facts.history();
    if (history.isEmpty() || !history.get(0).isDeployed()) {
      return false;
    }
    boolean recorded = status != null && facts.desired().digest().equals(status.getLastAppliedDigest())
        && Integer.valueOf(history.get(0).revision()).equals(status.getLastAppliedRevision());
    return recorded || history.get(0).appliedDigest(facts.desired().digest());
  }

  private static String outOfSyncBecause(HelmReleaseStatus status, ReleaseRecord newest, ReleaseFacts facts) {
    if (!newest.isDeployed()) {
      return "Helm's newest revision " + newest.revision() + " is " + newest.status();
    }
    if (!Objects.equals(status.getLastAppliedRevision(), newest.revision())) {
      return "Helm's newest revision " + newest.revision() + " is not the one helmop made (revision "
          + status.getLastAppliedRevision() + ")";
    }
    return "the chart or the values changed since revision " + newest.revision();
  }

  private static Classification state(ReleaseState state, String detail) {
    return new Classification(state, detail);
  }
}
