package io.helmop.operator.scheduling;

import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The work queue of the reconcile thread pool: tasks are added at the back, and taken from the front (the oldest)
 * and the back (the newest) in turn. JOSDK hands the pool one task per HelmRelease with an event, so under a
 * backlog a release just created or edited is reconciled next but one instead of last.
 */
public final class BothEndsQueue extends LinkedBlockingDeque<Runnable> {
  private final AtomicLong turns = new AtomicLong();

  private boolean newestsTurn() {
    return (turns.getAndIncrement() & 1) == 1;
  }

  @Override
  public Runnable take() throws InterruptedException {
    return newestsTurn() ? takeLast() : takeFirst();
  }

  @Override
  public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
    return newestsTurn() ? pollLast(timeout, unit) : pollFirst(timeout, unit);
  }

  @Override
  public Runnable poll() {
    return newestsTurn() ? pollLast() : pollFirst();
  }
}
