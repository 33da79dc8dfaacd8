package io.helmop.operator.scheduling;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A fixed number of permits (installs and upgrades at once); when none is free, waiters are let in from the front
 * (the longest waiting) and the back (the newest) in turn. A waiter whose work is no longer wanted leaves the line.
 */
public final class BothEndsGate {
  private final ReentrantLock lock = new ReentrantLock();
  private final Deque<Waiter> line = new ArrayDeque<>();
  private final int permits;
  private int free;
  private boolean newestsTurn;

  public BothEndsGate(int permits) {
    this.permits = permits;
    this.free = permits;
  }

  /**
   * Waits for a permit.
   *
   * @param gaveUp asked every {@code pollMillis} while waiting: true leaves the line, and this returns false
   * @return true with a permit (hand it back with {@link #release()}), false without one
   */
  public boolean enter(BooleanSupplier gaveUp, long pollMillis) throws InterruptedException {
    lock.lock();
    try {
      if (free > 0 && line.isEmpty()) {
        free--;
        return true;
      }
      Waiter me = new Waiter(lock.newCondition());
      line.addLast(me);
      try {
        while (!me.admitted) {
          me.turn.await(pollMillis, TimeUnit.MILLISECONDS);
          if (!me.admitted && gaveUp.getAsBoolean()) {
            line.remove(me);
            return false;
          }
        }
        return true;
      } catch (InterruptedException | RuntimeException e) {
        if (me.admitted) {
          admitNext(); // the permit it was handed goes on
        } else {
          line.remove(me);
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  public void release() {
    lock.lock();
    try {
      admitNext();
    } finally {
      lock.unlock();
    }
  }

  private void admitNext() {
    Waiter next = newestsTurn ? line.pollLast() : line.pollFirst();
    newestsTurn = !newestsTurn;
    if (next == null) {
      free++;
    } else {
      next.admitted = true;
      next.turn.signal();
    }
  }

  /** Permits in use. */
  public int busy() {
    lock.lock();
    try {
      return permits - free;
    } finally {
      lock.unlock();
    }
  }

  /** Waiters in line. */
  public int waiting() {
    lock.lock();
    try {
      return line.size();
    } finally {
      lock.unlock();
    }
  }

  private static final class Waiter {
    final Condition turn;
    boolean admitted;

    Waiter(Condition turn) {
      this.turn = turn;
    }
  }
}
