package io.helmop.operator.release;

/**
 * A render or lint went over one of the bounds a Helm worker runs under (memory, time or output size), and the
 * worker was stopped. Retrying the same chart with the same values would hit it again: the release stalls.
 */
public class RenderLimitException extends HelmException {
  /** Which bound: the worker's resident memory, the call's time, or the size of what it rendered. */
  public enum Bound { MEMORY, TIME, OUTPUT }

  private final Bound bound;

  public RenderLimitException(Bound bound, String message) {
    super(message, null);
    this.bound = bound;
  }

  public Bound bound() {
    return bound;
  }
}
