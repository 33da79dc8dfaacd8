package io.helmop.operator.policy;

import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.api.v1alpha1.PolicyStatus;
import io.helmop.api.v1alpha1.PolicyViolation;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the policy rules found for one rendered release, and in which mode they ran.
 *
 * @param chart the chart checked, e.g. payment-service-1.4.2
 */
public record PolicyReport(PolicySettings settings, String chart, List<Finding> findings) {
  /** status.policy lists at most this many violations (status stays small; the Event has them all). */
  public static final int MAX_VIOLATIONS = 20;

  public static PolicyReport disabled(String chart) {
    return new PolicyReport(new PolicySettings(PolicySpec.Mode.Disabled, java.util.Set.of()), chart, List.of());
  }

  public PolicySpec.Mode mode() {
    return settings.mode();
  }

  public boolean disabled() {
    return settings.disabled();
  }

  public boolean compliant() {
    return findings.isEmpty();
  }

  /** Enforce mode and at least one finding of a rule that blocks. */
  public boolean blocks() {
    return mode() == PolicySpec.Mode.Enforce && findings.stream().anyMatch(Finding::blocking);
  }

  /** Every finding, one per line item: what the PolicyCompliant condition (trimmed) and the Event say. */
  public String describeFindings() {
    List<Finding> ordered = findings.stream().sorted((a, b) -> Boolean.compare(b.blocking(), a.blocking())).toList();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < ordered.size(); i++) {
      text.append(i == 0 ? "" : " ").append(i + 1).append(") ").append(ordered.get(i).describe())
          .append(ordered.get(i).blocking() ? "" : " [warning only]");
    }
    return text.toString();
  }

  /** The message of PolicyCompliant (and of its Event). */
  public String message() {
    String how = "mode " + mode() + settings.describeExclusions();
    if (compliant()) {
      return "Chart " + chart + " passes every policy rule (" + how + ").";
    }
    String consequence = blocks() ? "the release is blocked until they are fixed (or excluded)"
        : mode() == PolicySpec.Mode.Enforce ? "warnings only: the release goes ahead"
        : "the release goes ahead; with mode Enforce it would be blocked";
    return findings.size() + " policy violation" + (findings.size() == 1 ? "" : "s") + " in chart " + chart
        + " (" + how + "; " + consequence + "): " + describeFindings();
  }

  public PolicyStatus toStatus() {
    PolicyStatus status = new PolicyStatus();
    status.setMode(mode().name());
    status.setViolationCount(findings.size());
    List<PolicyViolation> violations = findings.stream().limit(MAX_VIOLATIONS).map(Finding::toViolation)
        .collect(Collectors.toList());
    status.setViolations(violations.isEmpty() ? null : violations);
    return status;
  }
}
