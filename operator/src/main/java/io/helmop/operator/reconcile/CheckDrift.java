package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.drift.SelfHeal;
import io.helmop.operator.policy.PolicyReport;
import io.helmop.operator.policy.PolicySettings;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.Conditions;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IN_SYNC: the release is deployed as the spec asks; its objects are checked for drift (and corrected) and the
 * status says both. Also the last step after every install or upgrade. When spec.policy or the upgrade settings
 * changed without a new revision, the policy rules run again (a render, no Helm operation).
 */
final class CheckDrift implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(CheckDrift.class);

  private final SelfHeal selfHeal;
  private final StatusFactory statuses;
  private final Preflight preflight;

  CheckDrift(SelfHeal selfHeal, StatusFactory statuses, Preflight preflight) {
    this.selfHeal = selfHeal;
    this.statuses = statuses;
    this.preflight = preflight;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    Optional<PolicyReport> policy;
    try {
      policy = policyChanged(r) ? preflight.rulesOnly(r.release(), r.desired()) : Optional.empty();
    } catch (ReconcileFailure invalid) {
      return Outcome.of(invalid);
    }
    List<Notice> notices = new ArrayList<>();
    policy.flatMap(report -> PolicyNotices.onChange(r.release().getStatus(), report)).ifPresent(notices::add);
    return check(r, r.history().get(0), notices, policy.orElse(null));
  }

  /**
   * Whether the policy findings in status may no longer hold for the deployed chart and values: the spec
   * changed (spec.policy, spec.upgrade) without a new revision, the operator's default mode changed, or none
   * were ever recorded.
   */
  private boolean policyChanged(Reconciliation r) throws ReconcileFailure {
    HelmReleaseStatus status = r.release().getStatus();
    PolicySettings settings = preflight.settings(r.release());
    boolean recorded = status != null && (status.getPolicy() != null
        || Conditions.find(status.getConditions(), Conditions.POLICY_COMPLIANT).isPresent());
    if (settings.disabled() || !recorded) {
      return settings.disabled() == recorded;
    }
    return !Objects.equals(status.getObservedGeneration(), r.release().getMetadata().getGeneration())
        || status.getPolicy() == null || !settings.mode().name().equals(status.getPolicy().getMode());
  }

  /** After Helm deployed a revision: the same, plus the Events that report it and what the policy found. */
  Outcome afterRelease(Reconciliation r, ReleaseRecord deployed, PolicyReport policy) {
    List<Notice> notices = new ArrayList<>();
    LOG.info("Release {} revision {} ({}) is deployed and ready", deployed.name(), deployed.revision(),
        deployed.chart());
    notices.add(Notice.normal(reason(deployed), "Release " + deployed.name() + " revision " + deployed.revision()
        + " (" + deployed.chart() + ") is deployed and ready"));
    PolicyNotices.onChange(r.release().getStatus(), policy).ifPresent(notice -> {
      if (notice.warning()) {
        LOG.warn("Release {} revision {}: {}", deployed.name(), deployed.revision(), notice.message());
      }
      notices.add(notice);
    });
    return check(r, deployed, notices, policy);
  }

  /** The drift check on top of {@code base}, the status that says which revision runs. */
  Outcome check(Reconciliation r, HelmReleaseStatus base, ReleaseRecord deployed, List<Notice> notices) {
    SelfHeal.Result drift = selfHeal.keepInSync(r.release(), base, deployed, r.ignore());
    List<Notice> all = new ArrayList<>(notices);
    all.addAll(drift.notices());
    return Outcome.done(drift.status(), all, drift.recheck());
  }

  private Outcome check(Reconciliation r, ReleaseRecord deployed, List<Notice> notices, PolicyReport policy) {
    HelmReleaseStatus released = statuses.released(r.release(), reason(deployed), deployed, r.history(),
        r.desired().digest());
    if (policy != null) {
      released = statuses.policy(r.release(), released, policy);
    }
    return check(r, released, deployed, notices);
  }

  private static String reason(ReleaseRecord deployed) {
    return deployed.revision() == 1 ? Reasons.INSTALL_SUCCEEDED : Reasons.UPGRADE_SUCCEEDED;
  }
}
