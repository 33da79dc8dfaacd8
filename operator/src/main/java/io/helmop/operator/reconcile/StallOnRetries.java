package io.helmop.operator.reconcile;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Conditions;
import io.helmop.operator.status.Reasons;

/**
 * RETRIES_EXHAUSTED: no more Helm calls until the spec or the values change (which resets the count); the last
 * good revision keeps serving.
 */
final class StallOnRetries implements Action {
  @Override
  public Outcome act(Reconciliation r, Classification c) {
    boolean install = r.history().isEmpty();
    String lastError = r.release().getStatus() == null ? null : Conditions.find(r.release().getStatus()
        .getConditions(), Conditions.RELEASED).filter(cond -> Conditions.FALSE.equals(cond.getStatus()))
        .map(cond -> cond.getMessage()).orElse(null);
    return Outcome.of(ReconcileFailure.stalled(Reasons.RETRIES_EXHAUSTED, (install ? "Install" : "Upgrade")
        + " of chart " + r.desired().chart().nameAndVersion() + " " + c.detail() + "; helmop makes no more "
        + "attempts until the spec or the values change. "
        + (install ? "Nothing is installed." : "The last good revision keeps serving.")
        + (lastError == null || lastError.isBlank() ? "" : " Last failure: " + lastError)));
  }
}
