package io.helmop.operator.release;

/** Helm installed or upgraded the release, then its tests (spec.test) failed or did not finish in time. */
public class HelmTestsFailedException extends HelmException {
  public HelmTestsFailedException(String message) {
    super(message, null);
  }
}
