package io.helmop.operator.policy;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a release is checked: spec.policy over the operator's default mode.
 *
 * @param exclude rules not checked for this release
 */
public record PolicySettings(PolicySpec.Mode mode, Set<Rule> exclude) {

  /** spec.policy of the release, its mode defaulting to {@code defaultMode}; an unknown rule id is InvalidSpec. */
  public static PolicySettings of(HelmRelease release, PolicySpec.Mode defaultMode) throws ReconcileFailure {
    PolicySpec spec = release.getSpec().getPolicy();
    PolicySpec.Mode mode = spec == null || spec.getMode() == null ? defaultMode : spec.getMode();
    Set<Rule> exclude = EnumSet.noneOf(Rule.class);
    List<String> ids = spec == null || spec.getExclude() == null ? List.of() : spec.getExclude();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i) == null ? "" : ids.get(i).strip();
      int index = i;
      exclude.add(Rule.byId(id).orElseThrow(() -> ReconcileFailure.stalled(Reasons.INVALID_SPEC,
          "spec.policy.exclude[" + index + "] \"" + id + "\" is not a rule id; the rules are " + ruleIds()
              + ". Fix the entry.")));
    }
    return new PolicySettings(mode, exclude);
  }

  public boolean disabled() {
    return mode == PolicySpec.Mode.Disabled;
  }

  static String ruleIds() {
    return Arrays.stream(Rule.values()).map(Rule::id).collect(Collectors.joining(", "));
  }

  /** "excluding hook-deadline, stable-names", or "" when nothing is excluded. */
  String describeExclusions() {
    return exclude.isEmpty() ? "" : ", excluding " + exclude.stream().map(Rule::id)
        .collect(Collectors.joining(", "));
  }
}
