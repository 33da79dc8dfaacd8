package io.helmop.operator.policy;

import java.util.Arrays;
import java.util.Optional;

/**
 * The production checklist of the seed article, as rules with stable ids (users name them in
 * spec.policy.exclude and in the helmop.io/policy-exclude annotation, so an id never changes).
 */
public enum Rule {
  READINESS_PROBE("readiness-probe", true,
      "Every container of a Deployment, StatefulSet or DaemonSet has a readinessProbe."),
  LIVENESS_PROBE("liveness-probe", true,
      "Every container of a Deployment, StatefulSet or DaemonSet has a livenessProbe."),
  RESOURCES("resources", true,
      "Every container and init container, hooks included, requests and limits cpu and memory."),
  NO_SECRETS_IN_VALUES("no-secrets-in-values", true,
      "No literal credential (password, token, apiKey, ...) in the chart's values.yaml, spec.valuesFiles, "
          + "ConfigMaps of spec.valuesFrom or spec.values; Secrets of spec.valuesFrom are the place for them."),
  HOOK_DELETE_POLICY("hook-delete-policy", true,
      "Every hook has a helm.sh/hook-delete-policy annotation."),
  HOOK_DEADLINE("hook-deadline", true,
      "Every hook Job has spec.activeDeadlineSeconds and spec.backoffLimit."),
  STABLE_NAMES("stable-names", false,
      "fullnameOverride is set, so object names do not follow the release name (a warning, never a block)."),
  ATOMIC_UPGRADES("atomic-upgrades", true,
      "spec.upgrade keeps atomic, wait and a timeout on (the defaults)."),
  IMAGE_TAG("image-tag", true,
      "Every container image has a tag other than latest, or a digest.");

  /** The annotation by which one object of a chart opts out of rules: "readiness-probe,liveness-probe". */
  public static final String EXCLUDE_ANNOTATION = "helmop.io/policy-exclude";

  private final String id;
  private final boolean enforceable;
  private final String description;

  Rule(String id, boolean enforceable, String description) {
    this.id = id;
    this.enforceable = enforceable;
    this.description = description;
  }

  public String id() {
    return id;
  }

  /** Whether a finding blocks the release in Enforce mode; false: a warning in every mode. */
  public boolean enforceable() {
    return enforceable;
  }

  public String description() {
    return description;
  }

  public static Optional<Rule> byId(String id) {
    return Arrays.stream(values()).filter(rule -> rule.id.equals(id)).findFirst();
  }

  @Override
  public String toString() {
    return id;
  }
}
