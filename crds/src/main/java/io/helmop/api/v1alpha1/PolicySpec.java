package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The production checklist rules helmop checks before every install and upgrade, and what a violation does. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicySpec {
  public enum Mode { Enforce, Warn, Disabled }

  @JsonPropertyDescription("Enforce: a violation blocks the install or upgrade like a failed preflight (Ready=False, "
      + "reason PreflightFailed; the last good release keeps serving). Warn: the release goes ahead and "
      + "PolicyCompliant=False says why. Disabled: no rules are checked (render, lint and the dry run still run). "
      + "Default: the operator's --policy-mode (Warn unless changed).")
  private Mode mode;

  @JsonPropertyDescription("Rule ids not checked for this release: readiness-probe, liveness-probe, resources, "
      + "no-secrets-in-values, hook-delete-policy, hook-deadline, stable-names, atomic-upgrades, image-tag. An "
      + "unknown id stalls the release (InvalidSpec). One object of a chart opts out with the annotation "
      + "helmop.io/policy-exclude: \"rule-id,rule-id\".")
  private List<String> exclude;

  public Mode getMode() { return mode; }
  public void setMode(Mode mode) { this.mode = mode; }
  public List<String> getExclude() { return exclude; }
  public void setExclude(List<String> exclude) { this.exclude = exclude; }
}
