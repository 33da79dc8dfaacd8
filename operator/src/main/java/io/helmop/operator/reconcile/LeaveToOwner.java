package io.helmop.operator.reconcile;

import io.helmop.operator.release.ReleaseRecords;

/**
 * OWNED_BY_ANOTHER: the release is another HelmRelease's. Stalled without any Helm call, so two HelmReleases
 * naming one release never take turns upgrading it; a new generation (another releaseName) or the owner's
 * deletion lets this one proceed.
 */
final class LeaveToOwner implements Action {
  @Override
  public Outcome act(Reconciliation r, Classification c) {
    return Outcome.of(ReleaseRecords.owner(r.history()).orElseThrow().ownedBy(r.release()));
  }
}
