package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What the last policy check of the release found. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicyStatus {
  @JsonPropertyDescription("The mode the last check ran in (Enforce or Warn), after the operator's default.")
  private String mode;

  @JsonPropertyDescription("How many violations the last check found (violations lists at most 20).")
  private Integer violationCount;

  @JsonPropertyDescription("The violations the last check found, at most 20; empty when the release complies.")
  private List<PolicyViolation> violations;

  public String getMode() { return mode; }
  public void setMode(String mode) { this.mode = mode; }
  public Integer getViolationCount() { return violationCount; }
  public void setViolationCount(Integer violationCount) { this.violationCount = violationCount; }
  public List<PolicyViolation> getViolations() { return violations; }
  public void setViolations(List<PolicyViolation> violations) { this.violations = violations; }
}
