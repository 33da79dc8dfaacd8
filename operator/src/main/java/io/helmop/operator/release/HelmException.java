package io.helmop.operator.release;

/** Helm refused or failed an operation; the message is Helm's own. */
public class HelmException extends RuntimeException {
  public HelmException(String message, Throwable cause) {
    super(message, cause);
  }
}
