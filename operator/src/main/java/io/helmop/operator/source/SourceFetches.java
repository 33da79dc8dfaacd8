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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 */
public final class SourceFetches {
  /** A result nobody came back for (the release was deleted) is dropped after this long. */
  private static final long KEEP_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final Logger LOG = LoggerFactory.getLogger(SourceFetches.class);

  private final ExecutorService pool;
  private final Duration wait;
  private final Map<String, Flight> flights = new ConcurrentHashMap<>();
  /** The last chart each fetch gave, served while a later fetch of the same source is slow. */
  private final Map<String, ResolvedChart> lastGood = new ConcurrentHashMap<>();

  public SourceFetches(int threads, Duration wait) {
    AtomicInteger count = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(Math.max(1, threads), Math.max(1, threads), 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), r -> {
      Thread thread = new Thread(r, "chart-fetch-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    ((ThreadPoolExecutor) pool).allowCoreThreadTimeOut(true);
    this.wait = wait;
  }

  /** Fetches in the calling thread: for tests and tools that have no reconcile threads to spare. */
  public static SourceFetches inline() {
    return new SourceFetches(0, Duration.ZERO);
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
    Flight flight = flights.computeIfAbsent(key, k -> start(key, fetch));
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
      flights.remove(key, flight);
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
    Flight flight = new Flight(new CompletableFuture<>());
    pool.execute(() -> {
      try {
        ResolvedChart chart = fetch.fetch();
        lastGood.put(key, chart);
        flight.result.complete(chart);
      } catch (ReconcileFailure | RuntimeException | Error e) {
        flight.result.completeExceptionally(e);
      } finally {
        flight.doneAt = System.nanoTime();
      }
    });
    return flight;
  }

  private void forgetAbandoned() {
    long now = System.nanoTime();
    flights.values().removeIf(f -> f.result.isDone() && f.doneAt != 0 && now - f.doneAt > KEEP_NANOS);
  }

  public void close() {
    pool.shutdownNow();
  }

  private static final class Flight {
    final CompletableFuture<ResolvedChart> result;
    volatile long doneAt;

    Flight(CompletableFuture<ResolvedChart> result) {
      this.result = result;
    }
  }
}
