package io.helmop.operator.reconcile;

/** The one thing a reconcile does for a release in a given state. */
public interface Action {
  Outcome act(Reconciliation reconciliation, Classification classification);
}
