package io.helmop.operator.config;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.time.Duration;

/** Go-style durations (30s, 5m, 1h30m) as they appear in the spec. */
public final class Durations {
  private Durations() {}

  /** The shortest resync helmop accepts: a smaller spec.interval would make a busy loop. */
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(5);

  /** spec.interval, at least {@link #MIN_INTERVAL}; the CRD's pattern keeps it parseable, 10m otherwise. */
  public static Duration interval(String value) {
    Duration interval;
    try {
      interval = parse("spec.interval", value, "10m");
    } catch (ReconcileFailure e) {
      interval = Duration.ofMinutes(10);
    }
    return interval.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : interval;
  }

  /** Whole numbers of ms, s, m and h, as the CRD's pattern has them. */
  private static final java.util.regex.Pattern WHOLE_GO_DURATION =
      java.util.regex.Pattern.compile("([0-9]+(ms|s|m|h))+");

  /**
   * A Go duration of whole units (30s, 5m, 1h30m); IllegalArgumentException when it is not one. fabric8's parser
   * alone would read "1.5h" as 5h and "-5s" as 5s.
   */
  public static Duration parseGo(String text) {
    if (text == null || !WHOLE_GO_DURATION.matcher(text).matches()) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    try {
      return io.fabric8.kubernetes.api.model.Duration.parse(text).getDuration();
    } catch (java.text.ParseException | RuntimeException e) {
      throw new IllegalArgumentException("not a duration: " + text, e);
    }
  }

  public static Duration parse(String field, String value, String fallback) throws ReconcileFailure {
    String text = value == null || value.isBlank() ? fallback : value.strip();
    try {
      return parseGo(text);
    } catch (IllegalArgumentException e) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + " \"" + value + "\" is not a duration: write it as "
          + "Go does, e.g. 30s, 5m or 1h30m.");
    }
  }
}
