package io.helmop.operator.reconcile;

import io.helmop.operator.status.StatusFactory;
import java.util.List;

/**
 * ROLLED_BACK: the revision rolled back to on request keeps running while the spec and the values stay as they
 * were; its objects are checked for drift like any deployed revision.
 */
final class KeepRolledBack implements Action {
  private final StatusFactory statuses;
  private final CheckDrift checkDrift;

  KeepRolledBack(StatusFactory statuses, CheckDrift checkDrift) {
    this.statuses = statuses;
    this.checkDrift = checkDrift;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    var deployed = r.history().get(0);
    var held = statuses.rolledBack(r.release(), deployed, r.history(), r.release().getStatus().getRollback());
    return checkDrift.check(r, held, deployed, List.of());
  }
}
