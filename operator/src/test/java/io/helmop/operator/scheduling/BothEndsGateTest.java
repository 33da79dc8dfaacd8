package io.helmop.operator.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BothEndsGateTest {
  @Test
  void waitersGoInFromTheFrontAndTheBackInTurn() throws Exception {
    BothEndsGate gate = new BothEndsGate(1);
    assertThat(gate.enter(() -> false, 10)).isTrue();
    List<String> admitted = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String name = "w" + i;
      Thread thread = new Thread(() -> {
        try {
          if (gate.enter(() -> false, 10)) {
            admitted.add(name);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      thread.start();
      threads.add(thread);
      while (gate.waiting() < i) {
        Thread.sleep(1); // in line in this order
      }
    }
    for (int i = 1; i <= 5; i++) {
      gate.release();
      while (admitted.size() < i) {
        Thread.sleep(1);
      }
    }
    for (Thread thread : threads) {
      thread.join();
    }

    assertThat(admitted).containsExactly("w1", "w5", "w2", "w4", "w3");
    assertThat(gate.busy()).isEqualTo(1);
    gate.release();
    assertThat(gate.busy()).isZero();
  }

  @Test
  void aWaiterThatGivesUpLeavesTheLineAndTakesNoPermit() throws Exception {
    BothEndsGate gate = new BothEndsGate(1);
    assertThat(gate.enter(() -> false, 10)).isTrue();
    AtomicBoolean superseded = new AtomicBoolean();
    AtomicBoolean entered = new AtomicBoolean(true);
    Thread waiter = new Thread(() -> {
      try {
        entered.set(gate.enter(superseded::get, 10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    waiter.start();
    while (gate.waiting() < 1) {
      Thread.sleep(1);
    }
    superseded.set(true);
    waiter.join();

    assertThat(entered).isFalse();
    assertThat(gate.waiting()).isZero();
    gate.release();
    assertThat(gate.busy()).as("the permit went back, not to the waiter that left").isZero();
    assertThat(gate.enter(() -> false, 10)).isTrue();
  }
}
