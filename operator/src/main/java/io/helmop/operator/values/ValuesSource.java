package io.helmop.operator.values;

import java.util.Map;

/**
 * Values from one place a release takes them from, for the checks that need to know where a value came from.
 *
 * @param origin where, as a user reads it: "spec.values", "spec.valuesFiles[1] (values-production.yaml)",
 *     "spec.valuesFrom[0] (ConfigMap payments/tuning)"
 * @param secret the values come from a Secret: the right place for credentials, and never shown
 */
public record ValuesSource(String origin, Map<String, Object> values, boolean secret) {
  /** Without the values: they may hold secrets and must never reach a log line. */
  @Override
  public String toString() {
    return "ValuesSource[" + origin + (secret ? ", secret" : "") + "]";
  }
}
