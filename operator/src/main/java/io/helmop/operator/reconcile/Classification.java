package io.helmop.operator.reconcile;

/**
 * A release's state and why: {@code detail} completes "the release is STATE: DETAIL" in the log and the status.
 */
public record Classification(ReleaseState state, String detail) {
  @Override
  public String toString() {
    return state.text() + (detail.isEmpty() ? "" : ": " + detail);
  }
}
