package io.helmop.operator.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BothEndsQueueTest {
  @Test
  void takesTheOldestAndTheNewestInTurn() throws Exception {
    BothEndsQueue queue = new BothEndsQueue();
    List<Runnable> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Runnable task = () -> { };
      tasks.add(task);
      queue.offer(task);
    }

    assertThat(List.of(queue.take(), queue.poll(), queue.poll(1, TimeUnit.SECONDS), queue.take(), queue.poll()))
        .containsExactly(tasks.get(0), tasks.get(4), tasks.get(1), tasks.get(3), tasks.get(2));
    assertThat(queue.poll()).isNull();
  }

  @Test
  void aReleaseCreatedDuringABacklogIsReconciledNextButOne() throws Exception {
    // one thread, busy; a backlog of 100 "storm" reconciles, then one newcomer
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new BothEndsQueue());
    CountDownLatch busy = new CountDownLatch(1);
    List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    pool.execute(() -> await(busy));
    for (int i = 0; i < 100; i++) {
      String name = "storm-" + i;
      pool.execute(() -> order.add(name));
    }
    pool.execute(() -> order.add("newcomer"));
    busy.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    assertThat(order).hasSize(101);
    assertThat(order.subList(0, 2)).containsExactly("storm-0", "newcomer");
    assertThat(order.indexOf("storm-99")).as("the backlog still ends, none lost").isLessThan(101);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
