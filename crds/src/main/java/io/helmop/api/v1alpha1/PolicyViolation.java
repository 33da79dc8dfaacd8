package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One finding of a policy rule. It never holds a value of the release's values. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicyViolation {
  @JsonPropertyDescription("The rule's id, e.g. readiness-probe (the list is in docs/policy.md).")
  private String rule;

  @JsonPropertyDescription("The object that breaks it, e.g. \"Deployment payments/payment-service\" or \"hook Job "
      + "payment-service-migration-1\"; for values, where they come from, e.g. \"spec.values\".")
  private String object;

  @JsonPropertyDescription("Where in the object: a container (\"container payment-service\"), a field or a "
      + "values key path (database.password).")
  private String path;

  @JsonPropertyDescription("What is wrong and what to do.")
  private String message;

  public PolicyViolation() {}

  public PolicyViolation(String rule, String object, String path, String message) {
    this.rule = rule;
    this.object = object;
    this.path = path;
    this.message = message;
  }

  public String getRule() { return rule; }
  public void setRule(String rule) { this.rule = rule; }
  public String getObject() { return object; }
  public void setObject(String object) { this.object = object; }
  public String getPath() { return path; }
  public void setPath(String path) { this.path = path; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }
}
