package io.helmop.operator.reconcile;

import io.helmop.operator.status.StatusFactory;
import java.util.List;
import java.util.Optional;

/** SUSPENDED: hands off; status says so and nothing else happens. */
final class Suspend implements Action {
  private final StatusFactory statuses;

  Suspend(StatusFactory statuses) {
    this.statuses = statuses;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    return Outcome.done(statuses.suspended(r.release()), List.of(), Optional.empty());
  }
}
