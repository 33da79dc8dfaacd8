package io.helmop.operator.reconcile;

import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;

/**
 * RESET_REQUESTED: the count of failed attempts starts again (also out of RetriesExhausted), then the release is
 * classified anew. No Helm call by itself.
 */
final class ResetRetries implements Action {
  private final StatusFactory statuses;

  ResetRetries(StatusFactory statuses) {
    this.statuses = statuses;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    String token = DayTwoRequests.resetPending(r.release()).orElseThrow();
    // written at once: the next state is decided on the reset count, and a restart must not forget the answer
    r.write(statuses.retriesReset(r.release(), token));
    return Outcome.next(Notice.normal(Reasons.RETRIES_RESET, "The count of failed attempts was reset on request ("
        + DayTwoRequests.RESET + "=" + token + "); helmop tries again."));
  }
}
