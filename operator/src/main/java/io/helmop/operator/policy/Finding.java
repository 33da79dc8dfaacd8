package io.helmop.operator.policy;

import io.helmop.api.v1alpha1.PolicyViolation;

/**
 * One rule broken by one object (or values key). Its text names objects, containers and key paths, never a
 * value of the release's values.
 *
 * @param object e.g. "Deployment payment-service", "hook Job payment-service-migration-1", "spec.values"
 * @param path e.g. "container payment-service", "database.password"; null when the object says it all
 * @param template the template that rendered the object, e.g. templates/deployment.yaml; null for values
 */
public record Finding(Rule rule, String object, String path, String message, String template) {
  public boolean blocking() {
    return rule.enforceable();
  }

  /** One line: "readiness-probe: Deployment web, container app: no readinessProbe (templates/web.yaml)". */
  public String describe() {
    return rule.id() + ": " + object + (path == null ? "" : ", " + path) + ": " + message
        + (template == null ? "" : " (" + template + ")");
  }

  public PolicyViolation toViolation() {
    return new PolicyViolation(rule.id(), object, path, message);
  }
}
