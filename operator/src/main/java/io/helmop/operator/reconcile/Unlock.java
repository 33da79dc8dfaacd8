package io.helmop.operator.reconcile;

import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PENDING_ABANDONED: marks the pending revision failed in Helm's own storage, as a person would after a killed
 * `helm upgrade`, so that Helm accepts the next operation (otherwise: "another operation is in progress").
 */
final class Unlock implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(Unlock.class);

  private final ReleaseRecords records;

  Unlock(ReleaseRecords records) {
    this.records = records;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    ReleaseRecord pending = r.history().get(0);
    LOG.warn("Helm release {} revision {} is abandoned ({}); marking it failed so Helm can proceed",
        pending.name(), pending.revision(), c.detail());
    records.markFailed(pending, ReleaseRecords.ABANDONED + ", " + c.detail());
    return Outcome.next();
  }
}
