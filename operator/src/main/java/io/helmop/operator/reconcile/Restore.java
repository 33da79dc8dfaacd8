package io.helmop.operator.reconcile;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.drift.ReleaseLabel;
import io.helmop.operator.release.ObjectRestorer;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FAILED_NOT_RESTORED: puts the objects back as the last deployed revision has them, as Helm's atomic rollback
 * would have, before anything is released again. Helm's next upgrade diffs against the last deployed revision,
 * so whatever the failed one changed and the next one does not set (a nodeSelector no node matches) would stay.
 * Done once per failed revision: its record says so afterwards. When some object cannot be put back, the record
 * is left unmarked and the release waits with backoff, without a Helm call: an upgrade would only wedge on it.
 */
final class Restore implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(Restore.class);

  private final ObjectRestorer restorer;
  private final ReleaseRecords records;

  Restore(ObjectRestorer restorer, ReleaseRecords records) {
    this.restorer = restorer;
    this.records = records;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    ReleaseRecord failed = r.history().get(0);
    ReleaseRecord lastGood = r.history().stream().filter(ReleaseRecord::isDeployed).findFirst().orElseThrow();
    // every revision since the last deployed one may have created objects (an upgrade, then its failed rollback)
    List<ReleaseRecord> undone = r.history().stream().filter(record -> record.revision() > lastGood.revision())
        .toList();
    List<String> problems = restorer.restore(r.release(), lastGood, undone);
    String what = "Objects of release " + failed.name() + " in namespace " + failed.namespace();
    if (!problems.isEmpty()) {
      return Outcome.of(ReconcileFailure.retryable(Reasons.RESTORE_FAILED, what + " could not all be put back as "
          + "revision " + lastGood.revision() + " has them after revision " + failed.revision() + " failed: "
          + String.join("; ", problems) + ". helmop makes no Helm call until they are (Helm's next upgrade would "
          + "keep what revision " + failed.revision() + " set) and tries again with backoff. Fix what the server "
          + "refuses, delete the object (helmop creates it again), or exempt it with annotation "
          + ReleaseLabel.SKIP_ANNOTATION + "=disabled.", null));
    }
    records.markRestored(failed, lastGood.revision());
    String message = what + " are back as revision " + lastGood.revision() + " has them (the release is " + c
        + ").";
    LOG.info(message);
    return Outcome.next(Notice.normal(Reasons.OBJECTS_RESTORED, message));
  }
}
