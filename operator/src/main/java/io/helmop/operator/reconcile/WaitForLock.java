package io.helmop.operator.reconcile;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.Reasons;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * PENDING_LOCKED: another client's Helm operation holds the release. helmop waits, and looks again when the
 * revision would count as abandoned (its timeout plus a minute), or at a new generation.
 */
final class WaitForLock implements Action {
  private final Clock clock;

  WaitForLock(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    ReleaseRecord pending = r.history().get(0);
    Instant now = clock.instant();
    Instant abandonedAt = ReleaseClassifier.abandonedAt(new ReleaseFacts(r.release(), r.desired(), r.history(),
        "", now), pending);
    Duration wait = Duration.between(now, abandonedAt);
    return Outcome.of(ReconcileFailure.waiting(Reasons.RELEASE_LOCKED, "Helm release " + pending.name()
        + " revision " + pending.revision() + " is " + pending.status() + ": another Helm operation is running, or "
        + "one was interrupted (" + c.detail() + "). helmop waits until " + abandonedAt + ", then marks it failed "
        + "and carries on."), false, Optional.of(wait.isNegative() ? Duration.ofSeconds(1) : wait.plusSeconds(1)));
  }
}
