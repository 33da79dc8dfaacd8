package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chart fetches run here, on threads of their own, so that a slow source holds no reconcile thread: a reconcile
 * waits {@link SourceLimits#fetchWait()} for its fetch and, when the fetch is not done by then, ends with a
 * retryable {@value Reasons#SOURCE_FETCHING} while the fetch goes on (it ends at the latest at the source
 * deadlines). The next reconcile of the release picks up its result. Releases asking for the same chart from the
 * same source with the same Secret share one fetch (single flight), so ten releases on one stalled repository
 * take one fetch thread, not ten. A source that resolved before and is slow now serves its last chart meanwhile,
 * as a cached index serves while a repository is down.
 *
 * <p>A fetch still running past {@code deadline} is given up here whatever its transport does (JGit's git://
 * timeout interrupts a socket read, which the JDK's sockets ignore): its release gets {@value
 * Reasons#SOURCE_TIMEOUT}, its slot goes to other fetches, and no second fetch of that source starts while the
 * stuck thread lives, so a stuck source costs one thread, not one per retry.
 */
public final class SourceFetches {
  /** A result nobody came back for (the release was deleted) is dropped after this long. */
  private static final long KEEP_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final Logger LOG = LoggerFactory.getLogger(SourceFetches.class);

  private final ExecutorService threads;
  private final Semaphore slots;
  private final Duration wait;
  private final Duration deadline;
  private final Map<String, Flight> flights = new ConcurrentHashMap<>();
  /** The last chart each fetch gave, served while a later fetch of the same source is slow. */
  private final Map<String, ResolvedChart> lastGood = new ConcurrentHashMap<>();

  /**
   * @param concurrency how many fetches run at once (--source-fetches); more wait for a slot
   * @param wait how long a reconcile waits for its fetch (--source-fetch-wait)
   * @param deadline a fetch running longer is given up (the source deadlines, with a margin)
   */
  public SourceFetches(int concurrency, Duration wait, Duration deadline) {
    AtomicInteger count = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "chart-fetch-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.slots = new Semaphore(Math.max(1, concurrency));
    this.wait = wait;
    this.deadline = deadline;
  }

  /** For the operator: the deadline is one whole download plus one silence, past which no transport should go. */
  public SourceFetches(int concurrency, SourceLimits limits) {
    this(concurrency, limits.fetchWait(), limits.totalTimeout().plus(limits.readTimeout()));
  }

  /** Fetches in the calling thread: for tests and tools that have no reconcile threads to spare. */
  public static SourceFetches inline() {
    return new SourceFetches(1, Duration.ZERO, Duration.ZERO);
  }

  /** What a fetch does; may throw the ReconcileFailure that describes its failure. */
  public interface Fetch {
    ResolvedChart fetch() throws ReconcileFailure;
  }

  /**
   * @param key everything that decides the result: the source, the chart, the version constraint, the Secret
   * @param what the source as messages name it, e.g. "chart podinfo from https://charts.example.com"
   */
  public ResolvedChart resolve(String key, String what, Fetch fetch) throws ReconcileFailure {
    if (wait.isZero()) {
      return fetch.fetch();
    }
    forgetAbandoned();
    // a fetch given up whose thread has ended since is over: its failure was reported, so start afresh
    Flight flight = flights.compute(key, (k, f) -> f == null || f.abandoned && !f.running ? start(key, fetch) : f);
    flight.giveUpWhenOverdue(deadline, what);
    try {
      ResolvedChart chart = flight.result.get(wait.toNanos(), TimeUnit.NANOSECONDS);
      flights.remove(key, flight);
      return chart;
    } catch (TimeoutException e) {
      ResolvedChart last = lastGood.get(key);
      if (last != null && Files.isRegularFile(last.archive())) {
        // as with a repository that is down: what was resolved before keeps serving, Ready stays as it is
        LOG.info("Fetching {} takes longer than {}; using {} as resolved before", what,
            SourceLimits.duration(wait), last.nameAndVersion());
        return last;
      }
      // the same words at every look, so that a fetch that goes on is one status change and one Event
      throw ReconcileFailure.retryable(Reasons.SOURCE_FETCHING, "Fetching " + what + " takes longer than "
          + SourceLimits.duration(wait) + " (--source-fetch-wait); it goes on without holding up other releases, "
          + "and ends at the latest at the source deadlines (--source-read-timeout, --source-timeout). helmop "
          + "looks again with backoff.", null);
    } catch (ExecutionException e) {
      if (!flight.running) { // a stuck thread keeps its flight, so that no second one starts beside it
        flights.remove(key, flight);
      }
      if (e.getCause() instanceof ReconcileFailure failure) {
        throw failure;
      }
      throw ReconcileFailure.retryable(Reasons.RECONCILE_ERROR, "Fetching " + what + " failed: "
          + e.getCause().getClass().getSimpleName() + ". helmop retries with backoff.", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ReconcileFailure.retryable(Reasons.SOURCE_FETCHING, "Stopped waiting for " + what + " (the operator is "
          + "stopping).", e);
    }
  }

  private Flight start(String key, Fetch fetch) {
    Flight flight = new Flight();
    threads.execute(() -> {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        flight.result.completeExceptionally(e);
        flight.doneAt = System.nanoTime();
        return;
      }
      flight.began(Thread.currentThread());
      try {
        ResolvedChart chart = fetch.fetch();
        lastGood.put(key, chart);
        flight.result.complete(chart);
      } catch (ReconcileFailure | RuntimeException | Error e) {
        flight.result.completeExceptionally(e);
      } finally {
        flight.ended();
      }
    });
    return flight;
  }

  private void forgetAbandoned() {
    long now = System.nanoTime();
    flights.values().removeIf(f -> f.result.isDone() && !f.running && f.doneAt != 0 && now - f.doneAt > KEEP_NANOS);
  }

  public void close() {
    threads.shutdownNow();
  }

  /** One fetch: its result for everyone waiting, and its thread while it runs. */
  private final class Flight {
    final CompletableFuture<ResolvedChart> result = new CompletableFuture<>();
    private final AtomicBoolean holdsSlot = new AtomicBoolean();
    volatile boolean running;
    volatile boolean abandoned;
    volatile long startedAt;
    volatile long doneAt;
    private volatile Thread thread;

    void began(Thread current) {
      thread = current;
      startedAt = System.nanoTime();
      holdsSlot.set(true);
      running = true;
    }

    void ended() {
      running = false;
      thread = null;
      doneAt = System.nanoTime();
      releaseSlot();
    }

    /** Past the deadline: the waiting releases get a timeout, and the slot goes to other fetches. */
    void giveUpWhenOverdue(Duration limit, String what) {
      long started = startedAt;
      if (result.isDone() || started == 0 || System.nanoTime() - started <= limit.toNanos()) {
        return;
      }
      if (result.completeExceptionally(SourceLimitExceeded.abandoned(limit).failure(what))) {
        LOG.warn("Gave up fetching {} after {}: its thread is stuck in the transport", what,
            SourceLimits.duration(limit));
        abandoned = true;
        doneAt = System.nanoTime();
        releaseSlot();
        Thread stuck = thread;
        if (stuck != null) {
          stuck.interrupt(); // may end it (HTTP), or not (a plain socket read)
        }
      }
    }

    private void releaseSlot() {
      if (holdsSlot.compareAndSet(true, false)) {
        slots.release();
      }
    }
  }
}
