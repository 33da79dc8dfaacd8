package io.helmop.operator.reconcile;

import io.helmop.operator.release.ReleaseOwner;
import io.helmop.operator.release.ReleaseRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UNMARKED: the release is this HelmRelease's (it applied it) but Helm's records do not say so yet. Marking them
 * costs label patches, no Helm call and no revision; a second HelmRelease naming the release then finds it taken.
 */
final class ClaimRelease implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimRelease.class);

  private final ReleaseRecords records;

  ClaimRelease(ReleaseRecords records) {
    this.records = records;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    ReleaseOwner owner = ReleaseOwner.of(r.release());
    records.mark(r.desired().namespace(), r.desired().releaseName(), 0, owner);
    LOG.info("Marked Helm release {} in namespace {} as HelmRelease {}'s ({})", r.desired().releaseName(),
        r.desired().namespace(), owner, c.detail());
    return Outcome.next();
  }
}
