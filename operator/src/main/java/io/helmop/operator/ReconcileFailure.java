package io.helmop.operator;

/**
 * A reconcile step could not finish. The reason and message go to the Ready condition and an Event, so the
 * message names the field, the value and what to do, and never holds a secret value.
 */
public class ReconcileFailure extends Exception {
  /** What helmop does next. */
  public enum Kind {
    /** Retry with exponential backoff: a server is down, a rollout timed out. */
    RETRY,
    /** Wait for an event (a dependency becoming Ready); not an error, no backoff. */
    WAIT,
    /** Retrying cannot help until the spec (or the chart source) changes: the release is Stalled. */
    STALL
  }

  private final String reason;
  private final Kind kind;

  private ReconcileFailure(String reason, String message, Kind kind, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.kind = kind;
  }

  public static ReconcileFailure retryable(String reason, String message, Throwable cause) {
    return new ReconcileFailure(reason, message, Kind.RETRY, cause);
  }

  public static ReconcileFailure waiting(String reason, String message) {
    return new ReconcileFailure(reason, message, Kind.WAIT, null);
  }

  public static ReconcileFailure stalled(String reason, String message) {
    return new ReconcileFailure(reason, message, Kind.STALL, null);
  }

  public String reason() {
    return reason;
  }

  public Kind kind() {
    return kind;
  }

  public boolean isRetryable() {
    return kind == Kind.RETRY;
  }
}
