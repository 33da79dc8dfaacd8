package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.drift.SelfHeal;
import io.helmop.operator.release.HookCheck;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IN_SYNC: the release is deployed as the spec asks; its objects are checked for drift (and corrected) and the
 * status says both. Also the last step after every install or upgrade.
 */
final class CheckDrift implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(CheckDrift.class);

  private final SelfHeal selfHeal;
  private final StatusFactory statuses;

  CheckDrift(SelfHeal selfHeal, StatusFactory statuses) {
    this.selfHeal = selfHeal;
    this.statuses = statuses;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    return check(r, r.history().get(0), List.of());
  }

  /** After Helm deployed a revision: the same, plus the Events that report it. */
  Outcome afterRelease(Reconciliation r, ReleaseRecord deployed) {
    List<Notice> notices = new ArrayList<>();
    LOG.info("Release {} revision {} ({}) is deployed and ready", deployed.name(), deployed.revision(),
        deployed.chart());
    notices.add(Notice.normal(reason(deployed), "Release " + deployed.name() + " revision " + deployed.revision()
        + " (" + deployed.chart() + ") is deployed and ready"));
    List<String> unboundedHooks = HookCheck.unboundedJobs(deployed);
    if (!unboundedHooks.isEmpty()) {
      LOG.warn("Release {} revision {}: {}", deployed.name(), deployed.revision(), HookCheck.message(unboundedHooks));
      notices.add(Notice.warning(Reasons.HOOK_WITHOUT_DEADLINE, HookCheck.message(unboundedHooks)));
    }
    return check(r, deployed, notices);
  }

  /** The drift check on top of {@code base}, the status that says which revision runs. */
  Outcome check(Reconciliation r, HelmReleaseStatus base, ReleaseRecord deployed, List<Notice> notices) {
    SelfHeal.Result drift = selfHeal.keepInSync(r.release(), base, deployed, r.ignore());
    List<Notice> all = new ArrayList<>(notices);
    all.addAll(drift.notices());
    return Outcome.done(drift.status(), all, drift.recheck());
  }

  private Outcome check(Reconciliation r, ReleaseRecord deployed, List<Notice> notices) {
    HelmReleaseStatus released = statuses.released(r.release(), reason(deployed), deployed, r.history(),
        r.desired().digest());
    return check(r, released, deployed, notices);
  }

  private static String reason(ReleaseRecord deployed) {
    return deployed.revision() == 1 ? Reasons.INSTALL_SUCCEEDED : Reasons.UPGRADE_SUCCEEDED;
  }
}
