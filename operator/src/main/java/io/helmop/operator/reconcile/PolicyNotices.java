package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.PolicyStatus;
import io.helmop.operator.policy.PolicyReport;
import io.helmop.operator.status.Conditions;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;
import java.util.Optional;

/**
 * The Event a policy check deserves: only when its findings changed. A release upgraded ten times with the same
 * violations gets one RulesViolated Event, not ten; RulesPassed when the last violation is fixed.
 */
final class PolicyNotices {
  private PolicyNotices() {}

  static Optional<Notice> onChange(HelmReleaseStatus before, PolicyReport report) {
    if (report == null || report.disabled()) {
      return Optional.empty();
    }
    PolicyStatus previous = before == null ? null : before.getPolicy();
    boolean wasViolated = before != null && Conditions.find(before.getConditions(), Conditions.POLICY_COMPLIANT)
        .map(c -> Conditions.FALSE.equals(c.getStatus())).orElse(false);
    if (report.compliant()) {
      return wasViolated ? Optional.of(Notice.normal(Reasons.RULES_PASSED, report.message())) : Optional.empty();
    }
    boolean same = previous != null && wasViolated
        && StatusFactory.same(previous.getViolations(), report.toStatus().getViolations())
        && java.util.Objects.equals(previous.getViolationCount(), report.findings().size());
    return same ? Optional.empty() : Optional.of(Notice.warning(Reasons.RULES_VIOLATED, report.message()));
  }
}
