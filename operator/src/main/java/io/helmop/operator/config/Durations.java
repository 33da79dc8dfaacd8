package io.helmop.operator.config;

import io.helmop.operator.ReconcileFailure;
import java.time.Duration;

/** Go-style durations (30s, 5m, 1h30m) as they appear in the spec. */
public final class Durations {
  private Durations() {}

  public static Duration parse(String field, String value, String fallback) throws ReconcileFailure {
    String text = value == null || value.isBlank() ? fallback : value.strip();
    try {
      return io.fabric8.kubernetes.api.model.Duration.parse(text).getDuration();
    } catch (java.text.ParseException | RuntimeException e) {
      throw ReconcileFailure.stalled("InvalidSpec", field + " \"" + value + "\" is not a duration: write it as "
          + "Go does, e.g. 30s, 5m or 1h30m.");
    }
  }
}
