package io.helmop.operator;

/**
 * A reconcile step could not finish. The reason and message go to the Ready condition and an Event, so the
 * message names the field, the value and what to do, and never holds a secret value.
 */
public class ReconcileFailure extends Exception {
  private final String reason;
  private final boolean retryable;

  private ReconcileFailure(String reason, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.retryable = retryable;
  }

  /** Retrying with backoff may help (a server is down, a rollout timed out). */
  public static ReconcileFailure retryable(String reason, String message, Throwable cause) {
    return new ReconcileFailure(reason, message, true, cause);
  }

  /** Retrying cannot help until the spec (or the chart source) changes: the release is Stalled. */
  public static ReconcileFailure stalled(String reason, String message) {
    return new ReconcileFailure(reason, message, false, null);
  }

  public String reason() {
    return reason;
  }

  public boolean isRetryable() {
    return retryable;
  }
}
