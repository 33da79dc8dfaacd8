package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.api.v1alpha1.RollbackStatus;
import io.helmop.operator.release.ReleaseOwner;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.rollback.RollbackRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collections;
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
    List<ReleaseRecord> history = facts.history();
    Optional<ReleaseRecord> newest = history.stream().findFirst();
    HelmReleaseStatus status = release.getStatus();
    Optional<ReleaseOwner> owner = ReleaseRecords.owner(history);
    if (owner.isPresent() && !owner.get().isHelmRelease(release)) {
      return state(ReleaseState.OWNED_BY_ANOTHER, "Helm's records of release " + newest.get().name()
          + " are marked as HelmRelease " + owner.get() + "'s");
    }
    boolean applied = status != null && status.getLastAppliedRevision() != null;
    if (owner.isPresent() && !owner.get().isExactly(release)) {
      return state(ReleaseState.UNMARKED, "marked as an earlier HelmRelease " + owner.get() + "'s (uid "
          + owner.get().uid() + ")");
    }
    if (owner.isEmpty() && newest.isPresent() && applied) {
      return state(ReleaseState.UNMARKED, "revision " + newest.get().revision() + " carries no owner marks "
          + "(made before helmop marked releases), and this HelmRelease applied revision "
          + status.getLastAppliedRevision());
    }
    if (owner.isEmpty() && newest.isPresent() && !newest.get().isPending()) {
      return state(ReleaseState.UNMANAGED, "revision " + newest.get().revision() + " (" + newest.get().chart()
          + ", " + newest.get().status() + ") was installed by another client and no HelmRelease owns it");
    }
    Optional<ReleaseRecord> lastDeployed = history.stream().filter(ReleaseRecord::isDeployed).findFirst();
    Optional<ReleaseRecord> unrestored = newest.filter(record -> record.isFailed() && !record.isRestored())
        .filter(record -> lastDeployed.isPresent());
    if (RollbackRequest.of(release).isPresent()) {
      if (unrestored.isPresent()) { // the rollback's upgrade diffs against the last deployed revision too
        return notRestored(unrestored.get(), lastDeployed.get(), "before the rollback asked for");
      }
      return state(ReleaseState.ROLLBACK_REQUESTED, "annotation " + RollbackRequest.ANNOTATION + "="
          + RollbackRequest.of(release).get().value());
    }
    if (DayTwoRequests.resetPending(release).isPresent()) {
      return state(ReleaseState.RESET_REQUESTED, "annotation " + DayTwoRequests.RESET + "="
          + DayTwoRequests.resetPending(release).get());
    }
    if (newest.isPresent() && newest.get().isPending()) {
      return pending(facts, newest.get());
    }
    // what Helm's atomic rollback would have done: at once, whether or not another upgrade follows
    if (unrestored.isPresent() && (unrestored.get().isMarkedFailedByHelmop() || facts.desired().request().atomic())) {
      return notRestored(unrestored.get(), lastDeployed.get(), unrestored.get().isMarkedFailedByHelmop()
          ? "helmop marked it failed" : "upgrades are atomic, and Helm's rollback did not put them back");
    }
    if (DayTwoRequests.forcePending(release).isPresent() && lastDeployed.isPresent()) {
      if (unrestored.isPresent()) {
        return notRestored(unrestored.get(), lastDeployed.get(), "before the forced upgrade");
      }
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
      return state(ReleaseState.RETRIES_EXHAUSTED, "failed " + (failures == 1 ? "once" : failures + " times") + " ("
          + (install ? "spec.install.retries=" : "spec.upgrade.retries=") + retries + ")");
    }
    if (install) {
      return state(ReleaseState.NOT_INSTALLED, "Helm has no revision of release " + facts.desired().releaseName());
    }
    if (unrestored.isPresent()) { // spec.upgrade.atomic=false: the failed revision stays until the next upgrade
      return notRestored(unrestored.get(), lastDeployed.get(), "before the next upgrade");
    }
    return state(ReleaseState.OUT_OF_SYNC, outOfSyncBecause(status, newest.get(), facts));
  }

  /**
   * Helm's newest revision failed and the objects may still be as it left them (a nodeSelector no node matches, a
   * scheduling gate). Helm's next upgrade diffs against the last deployed revision, so what the failed one set
   * and the next one does not would stay, and that upgrade (and Helm's rollback of it) would fail the same way.
   */
  private static Classification notRestored(ReleaseRecord failed, ReleaseRecord lastDeployed, String when) {
    String description = failed.description();
    if (description.length() > 200) {
      description = description.substring(0, 200) + "...";
    }
    return state(ReleaseState.FAILED_NOT_RESTORED, "revision " + failed.revision() + " is failed ("
        + description + ") and revision " + lastDeployed.revision() + " was the last deployed; " + when);
  }

  /**
   * A pending revision locks the release. helmop never runs two operations on one release, so the revision comes
   * from another client still at work (a person's `helm upgrade`) or from one that was killed. When status says
   * an earlier helmop process started this very revision, that process is gone (this one would be running it
   * otherwise). Otherwise no Helm operation outlives its timeout: past the timeout plus a margin it is abandoned.
   */
  private static Classification pending(ReleaseFacts facts, ReleaseRecord pending) {
    LastAttempt attempt = facts.release().getStatus() == null ? null : facts.release().getStatus().getLastAttempt();
    if (attempt != null && LastAttempt.RUNNING.equals(attempt.getResult()) && startedBy(attempt, pending)
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

  /**
   * The attempt made the pending revision: its own, or the revision after it that Helm's atomic rollback of it
   * writes (pending-rollback while the rollback waits).
   */
  private static boolean startedBy(LastAttempt attempt, ReleaseRecord pending) {
    return attempt.getRevision() != null && (pending.revision() == attempt.getRevision()
        || "pending-rollback".equals(pending.status()) && pending.revision() == attempt.getRevision() + 1);
  }

  /** When a pending revision that no helmop process started counts as abandoned. */
  public static Instant abandonedAt(ReleaseFacts facts, ReleaseRecord pending) {
    // the longer of the install's and the upgrade's timeouts: which of them the pending operation has is not known
    Duration timeout = facts.desired() == null ? Duration.ZERO : Collections.max(List.of(
        facts.desired().request().timeout(), facts.desired().request().forInstall().timeout()));
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
    if (status == null || status.getLastAppliedRevision() == null) {
      return "this HelmRelease has not applied Helm's newest revision " + newest.revision() + " yet";
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
