package io.helmop.operator.status;

/**
 * An Event to record on the HelmRelease. {@code always}: recorded whatever the status write did (it reports an
 * action, such as an install or a correction); otherwise only when the reconcile's status write changed the
 * status (it reports a new situation, and a situation that goes on is reported once).
 */
public record Notice(boolean warning, String reason, String message, boolean always) {
  public static Notice normal(String reason, String message) {
    return new Notice(false, reason, message, true);
  }

  public static Notice warning(String reason, String message) {
    return new Notice(true, reason, message, true);
  }

  /** A warning recorded only when the status changed with it. */
  public static Notice warningOnChange(String reason, String message) {
    return new Notice(true, reason, message, false);
  }
}
