package io.helmop.operator.release;

/** helmop stopped a Helm operation before it ended, because what it was releasing is no longer wanted. */
public class HelmStoppedException extends HelmException {
  public HelmStoppedException(String message) {
    super(message, null);
  }
}
