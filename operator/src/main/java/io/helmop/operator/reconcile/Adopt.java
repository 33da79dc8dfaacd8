package io.helmop.operator.reconcile;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import java.util.List;

/**
 * UNMANAGED: a release nobody owns (the helm CLI installed it). Adopting it upgrades it with the spec and marks it
 * as this HelmRelease's, whose deletion then uninstalls it: an Event says so. An operator started with
 * --adopt-releases=false refuses instead, so a tenant cannot take over a release by naming it.
 */
final class Adopt implements Action {
  private final boolean allowed;
  private final ChartRelease upgrade;

  Adopt(boolean allowed, ChartRelease upgrade) {
    this.allowed = allowed;
    this.upgrade = upgrade;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    ReleaseRecord found = r.history().get(0);
    String release = "Helm release " + found.name() + " in namespace " + found.namespace() + " (revision "
        + found.revision() + ", " + found.chart() + ")";
    if (!allowed) {
      return Outcome.of(ReconcileFailure.stalled(Reasons.ADOPTION_REFUSED, release + " was installed by another "
          + "client and no HelmRelease owns it; this operator does not adopt releases (--adopt-releases=false), "
          + "so helmop leaves it untouched. Pick another spec.releaseName or spec.targetNamespace, or uninstall "
          + "that release (helm uninstall " + found.name() + " -n " + found.namespace() + ") for helmop to "
          + "install it afresh."));
    }
    Outcome outcome = upgrade.act(r, c);
    if (outcome.step() != Outcome.Step.DONE && !outcome.helmFailed()) {
      return outcome; // not adopted: the preflight refused, or the release waits for its turn
    }
    return outcome.withNotices(List.of(Notice.normal(Reasons.RELEASE_ADOPTED, "Adopted " + release + ", which "
        + "was installed by another client and no HelmRelease owned: it now belongs to this HelmRelease, whose "
        + "deletion uninstalls it. Operators started with --adopt-releases=false refuse adoption.")));
  }
}
