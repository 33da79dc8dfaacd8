package io.helmop.operator.reconcile;

import io.helmop.operator.release.ObjectRestorer;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FAILED_NOT_RESTORED: puts the objects back as the last deployed revision has them, as Helm's atomic rollback
 * would have, before anything is released again. Helm's next upgrade diffs against the last deployed revision,
 * so whatever the failed one changed and the next one does not set (a nodeSelector no node matches) would stay.
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
    List<String> problems = restorer.restore(r.release(), lastGood, failed);
    records.markRestored(failed, lastGood.revision());
    LOG.info("Objects of release {} are back as revision {} has them, after revision {} ({}){}", failed.name(),
        lastGood.revision(), failed.revision(), c.detail(),
        problems.isEmpty() ? "" : "; could not restore " + String.join("; ", problems));
    return Outcome.next();
  }
}
