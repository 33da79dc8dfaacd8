package io.helmop.operator.reconcile;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.dependency.SettleWindow;
import java.time.Duration;
import java.util.Optional;

/**
 * What must hold before a Helm call (only a Helm call: an applied release stays Ready while a foundation
 * upgrades): the settle window of a new generation has passed, and every dependency is Ready.
 */
final class ReleaseGate {
  private final SettleWindow settleWindow;

  ReleaseGate(SettleWindow settleWindow) {
    this.settleWindow = settleWindow;
  }

  /** Why the release may not be released now, if it may not. */
  Optional<Outcome> blocks(Reconciliation r) {
    Optional<Duration> settling = settleWindow.remaining(r.release());
    if (settling.isPresent()) {
      return Optional.of(Outcome.requeue(settling.get()));
    }
    try {
      r.dependencies().awaitReady(r.release());
      return Optional.empty();
    } catch (ReconcileFailure waiting) {
      return Optional.of(Outcome.of(waiting));
    }
  }
}
