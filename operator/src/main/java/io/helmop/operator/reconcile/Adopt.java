package io.helmop.operator.reconcile;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.drift.ReleaseLabel;
import io.helmop.operator.release.ReleaseOwner;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UNMANAGED: a release no marks give an owner. When its objects carry helmop's release label, helmop made it
 * before it marked releases, for the HelmRelease the label names: this one marks it as its own (no Helm call),
 * any other leaves it alone. Otherwise the helm CLI installed it: adopting it upgrades it with the spec and
 * marks it as this HelmRelease's, whose deletion then uninstalls it, and an Event says so. An operator started
 * with --adopt-releases=false refuses instead, so a tenant cannot take over a release by naming it.
 */
final class Adopt implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(Adopt.class);

  private final boolean allowed;
  private final ChartRelease upgrade;
  private final Function<ReleaseRecord, Optional<String>> releaseLabelOn;
  private final ReleaseRecords records;

  /** @param releaseLabelOn the release label on the live objects of a revision (drift's label) */
  Adopt(boolean allowed, ChartRelease upgrade, Function<ReleaseRecord, Optional<String>> releaseLabelOn,
      ReleaseRecords records) {
    this.allowed = allowed;
    this.upgrade = upgrade;
    this.releaseLabelOn = releaseLabelOn;
    this.records = records;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    ReleaseRecord found = r.history().get(0);
    String release = "Helm release " + found.name() + " in namespace " + found.namespace() + " (revision "
        + found.revision() + ", " + found.chart() + ")";
    Optional<String> madeFor = releaseLabelOn.apply(found);
    if (madeFor.isPresent() && madeFor.get().equals(ReleaseLabel.valueOf(r.release()))) {
      records.mark(found.namespace(), found.name(), 0, ReleaseOwner.of(r.release()));
      LOG.info("Marked {} as this HelmRelease's: its objects carry {}={}, helmop made it before it marked "
          + "releases", release, ReleaseLabel.KEY, madeFor.get());
      return Outcome.next();
    }
    if (madeFor.isPresent()) {
      String[] owner = ReleaseLabel.helmReleaseOf(madeFor.get()).split("/", 2);
      return Outcome.of(new ReleaseOwner(owner[0], owner.length > 1 ? owner[1] : "", "").ownedBy(r.release(),
          "its objects carry " + ReleaseLabel.KEY + "=" + madeFor.get() + ", as helmop labelled them for that "
          + "HelmRelease before it marked releases"));
    }
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
