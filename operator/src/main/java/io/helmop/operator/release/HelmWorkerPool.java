package io.helmop.operator.release;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.operator.files.Folders;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm {@link HelmWorkerServer} processes that run Helm calls one at a time each: renders and lints, installs and
 * upgrades. A call gets bounds the operator's own JVM cannot give it: a memory limit (the worker's resident memory,
 * Go's included, read from /proc every {@value #SAMPLE_MILLIS} ms; the worker is killed at the mark), a time limit
 * (a render's --render-timeout; an install's own Helm timeout with a margin) and an output bound; and it can be
 * stopped when its HelmRelease moves on (the worker is killed). A worker is retired after
 * {@link Limits#callsPerWorker()} calls (Helm leaks about 5 KB of native memory a call), when a call left it above
 * {@value #RECYCLE_PERCENT}% of the limit, or after {@value #IDLE_SECONDS} s idle (but one, kept warm), and
 * replaced in the background when killed or retired.
 *
 * <p>Reusing workers is what makes installs cheap: a new JVM per install cost about 0.6 s of start-up and
 * 160 MiB (docs/benchmarks.md has the figures before and after).
 */
public final class HelmWorkerPool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HelmWorkerPool.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  static final long SAMPLE_MILLIS = 10;
  static final int RECYCLE_PERCENT = 75;
  /** How long a worker beyond the first may sit idle before it is retired (its memory given back). */
  static final long IDLE_SECONDS = 30;
  /** How long an install or upgrade may run past what Helm's timeout allows it (HelmJob#helmTimeout). */
  static final Duration HELM_TIMEOUT_MARGIN = Duration.ofSeconds(60);
  private static final long POLL_MILLIS = 100;
  private static final String WORKER_DIR_PREFIX = "helm-worker-";
  /** A cold JVM loading Helm's library; far above what it takes (about 1 s), below "stuck". */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** The JVM's exit code under -XX:+ExitOnOutOfMemoryError: the worker's Java heap was full. */
  private static final int JAVA_OUT_OF_MEMORY = 3;
  /** Killed by SIGKILL from outside: the kernel's OOM killer, which workers invite (oom_score_adj 1000). */
  private static final int KILLED = 128 + 9;
  private static final List<String> JVM_OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

  /**
   * @param workers how many worker processes at most (calls beyond wait for a free one): the render workers and
   *     the installs and upgrades that may run at once
   * @param memoryBytes a worker's resident memory limit (JVM and Helm's Go memory)
   * @param timeout one render's or lint's time limit
   * @param callsPerWorker calls before a worker is replaced by a fresh one
   * @param outputBytes the largest result a worker may hand back (read into the operator's heap)
   */
  public record Limits(int workers, long memoryBytes, Duration timeout, int callsPerWorker, long outputBytes) {
    public Limits plusWorkers(int more) {
      return new Limits(workers + more, memoryBytes, timeout, callsPerWorker, outputBytes);
    }

    /** The worker's Java heap: enough for Helm's output and its parsing, leaving the rest to Go. */
    long heapBytes() {
      return Math.max(64L << 20, memoryBytes * 2 / 5);
    }
  }

  private final Limits limits;
  private final Path workDir;
  private final Semaphore slots;
  private final Deque<Worker> idle = new ConcurrentLinkedDeque<>();
  private final Set<Worker> live = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService watcher;
  private final AtomicInteger started = new AtomicInteger();
  private final java.util.Map<RenderLimitException.Bound, java.util.concurrent.atomic.AtomicLong> stopped =
      new java.util.EnumMap<>(RenderLimitException.Bound.class);
  private volatile boolean closed;

  public HelmWorkerPool(Limits limits, Path workDir) {
    this.limits = limits;
    this.workDir = workDir;
    this.slots = new Semaphore(limits.workers(), true);
    for (RenderLimitException.Bound bound : RenderLimitException.Bound.values()) {
      stopped.put(bound, new java.util.concurrent.atomic.AtomicLong());
    }
    this.watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "helm-worker-watch");
      thread.setDaemon(true);
      return thread;
    });
    watcher.scheduleWithFixedDelay(this::watchMemory, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    watcher.scheduleWithFixedDelay(this::retireIdle, IDLE_SECONDS, 1, TimeUnit.SECONDS);
    removeLeftovers();
  }

  /** Folders of workers of an operator process that was killed (they hold job files, values included). */
  private void removeLeftovers() {
    if (!Files.isDirectory(workDir)) {
      return;
    }
    try (Stream<Path> entries = Files.list(workDir)) {
      entries.filter(entry -> entry.getFileName().toString().startsWith(WORKER_DIR_PREFIX))
          .forEach(Folders::delete);
    } catch (IOException e) {
      LOG.debug("Could not list {}: {}", workDir, e.getMessage());
    }
  }

  public Limits limits() {
    return limits;
  }

  /** Worker processes started so far (replacements included), for tests and figures. */
  public int started() {
    return started.get();
  }

  /** Worker processes alive now, idle or busy. */
  public int alive() {
    return (int) live.stream().filter(w -> w.process.isAlive()).count();
  }

  /** Calls waiting for a free worker (a metric). */
  public int waiting() {
    return slots.getQueueLength();
  }

  /** Process ids of the live workers (for figures of the operator's memory, all its processes). */
  public List<Long> pids() {
    return live.stream().map(w -> w.process.pid()).toList();
  }

  /** Calls stopped at {@code bound} so far (a metric). */
  public long stopped(RenderLimitException.Bound bound) {
    return stopped.get(bound).get();
  }

  private RenderLimitException stopped(RenderLimitException.Bound bound, String message) {
    stopped.get(bound).incrementAndGet();
    LOG.info("Helm worker stopped: {}", message);
    return new RenderLimitException(bound, message);
  }

  /** Starts one worker in the background, so that the first call finds it warm. */
  public void warmUp() {
    Thread thread = new Thread(this::replenish, "helm-worker-start");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Runs one call on a worker and returns its result.
   *
   * @param what how messages name the call, e.g. "the render of chart web-1.0.0"
   * @throws RenderLimitException a render or lint went over a bound and its worker was killed
   * @throws HelmStoppedException {@code superseded} turned true
   * @throws HelmException Helm failed (its message), or the worker could not run
   */
  <T> T call(HelmWorkerServer.Job job, Class<T> resultType, String what, BooleanSupplier superseded) {
    acquire(what, superseded);
    Worker worker = null;
    try {
      // superseded while it waited (or before it came): Helm never saw it, so no worker to kill and no pending
      // revision to undo
      if (superseded.getAsBoolean()) {
        throw new HelmStoppedException("helmop dropped " + what + " before Helm started it: its HelmRelease "
            + "changed meanwhile");
      }
      worker = idle.pollFirst();
      if (worker == null || !worker.process.isAlive()) {
        retire(worker);
        worker = null; // should the start fail, the dead one must not go back to the idle ones
        worker = start();
      }
      return worker.call(job, resultType, what, superseded);
    } finally {
      boolean replace = false;
      if (worker != null && worker.answered) {
        replace = release(worker);
      } else if (worker != null) { // killed, crashed or stopped: never reused
        retire(worker);
        replace = true;
      }
      slots.release(); // before the replacement starts: it needs a slot of its own
      if (replace && !closed) {
        warmUp();
      }
    }
  }

  private void acquire(String what, BooleanSupplier superseded) {
    try {
      while (!slots.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        if (superseded.getAsBoolean()) {
          throw new HelmStoppedException("helmop dropped " + what + ", which was waiting for a free Helm worker");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HelmException("interrupted while waiting for a Helm worker; the operator is stopping", e);
    }
  }

  /**
   * Back to the idle workers, unless it did its share of calls or holds too much memory now; returns whether it
   * was retired and wants a replacement.
   */
  private boolean release(Worker worker) {
    long rss = worker.rss();
    if (closed || idle.size() >= limits.workers()) {
      retire(worker);
      return false;
    }
    // killedFor: the memory watch killed it just after it answered; the next call must not take the blame
    if (worker.calls >= limits.callsPerWorker() || rss > limits.memoryBytes() / 100 * RECYCLE_PERCENT
        || worker.killedFor != null || !worker.process.isAlive()) {
      LOG.debug("Retiring Helm worker {} after {} calls at {} MiB", worker.process.pid(), worker.calls,
          rss >> 20);
      retire(worker);
      return true;
    }
    worker.idleSince = System.nanoTime();
    idle.addFirst(worker); // the most recently used first: its caches are warm
    return false;
  }

  /** Gives back the memory of workers a burst needed and the quiet that follows does not: all but one. */
  private void retireIdle() {
    try {
      Worker oldest;
      while (idle.size() > 1 && (oldest = idle.peekLast()) != null
          && System.nanoTime() - oldest.idleSince > TimeUnit.SECONDS.toNanos(IDLE_SECONDS)) {
        if (idle.removeLastOccurrence(oldest)) { // false: a call took it meanwhile
          LOG.debug("Retiring Helm worker {}: idle for {} s", oldest.process.pid(), IDLE_SECONDS);
          retire(oldest);
        }
      }
    } catch (RuntimeException e) { // a scheduled task that throws is never run again: this one must go on
      LOG.warn("Retiring idle Helm workers failed: {}", e.toString());
    }
  }

  /** Starts a worker into the idle ones when one is free to start. */
  private void replenish() {
    if (closed || !slots.tryAcquire()) {
      return;
    }
    try {
      if (idle.isEmpty()) {
        idle.addFirst(start());
      }
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.warn("Could not start a Helm worker ahead of need: {}", e.getMessage());
      }
    } finally {
      slots.release();
    }
  }

  private void watchMemory() {
    try {
      for (Worker worker : live) {
        if (!worker.busy) {
          continue;
        }
        long rss = worker.rss();
        worker.peak = Math.max(worker.peak, rss);
        if (worker.boundedByMemory && rss > limits.memoryBytes() && worker.killedFor == null) {
          worker.killedFor = RenderLimitException.Bound.MEMORY;
          worker.process.destroyForcibly();
        }
      }
    } catch (RuntimeException e) { // a scheduled task that throws is never run again: this one must go on
      LOG.warn("Checking the memory of the Helm workers failed: {}", e.toString());
    }
  }

  private Worker start() {
    if (closed) {
      throw new HelmException("the operator is stopping", null);
    }
    String token = UUID.randomUUID().toString();
    Path dir;
    try {
      dir = Files.createTempDirectory(Files.createDirectories(workDir), WORKER_DIR_PREFIX,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new HelmException("could not make a folder for a Helm worker in " + workDir + ": " + e.getMessage(), e);
    }
    // stderr joins stdout, which the operator reads and logs: so what Helm prints goes through the operator's
    // log, where values from Secrets are scrubbed, instead of straight to its output
    ProcessBuilder builder = new ProcessBuilder(command(token, dir)).redirectErrorStream(true);
    // options meant for the operator's JVM (a heap of -Xms512m, say) must not size, or stop, every worker
    JVM_OPTION_VARIABLES.forEach(builder.environment()::remove);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      Folders.delete(dir);
      throw new HelmException("could not start a Helm worker process: " + e.getMessage(), e);
    }
    started.incrementAndGet();
    Worker worker = new Worker(process, token, dir);
    live.add(worker);
    process.onExit().thenRun(() -> {
      live.remove(worker);
      Folders.delete(dir);
    });
    try {
      String reply = worker.replies.poll(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!HelmWorkerServer.READY.equals(reply)) {
        process.destroyForcibly();
        throw new HelmException(reply == null ? "a Helm worker process did not start within "
            + START_TIMEOUT.toSeconds() + " s (see the operator log)"
            : "a Helm worker process ended as it started (see the operator log)", null);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new HelmException("interrupted while starting a Helm worker; the operator is stopping", e);
    }
    return worker;
  }

  private void retire(Worker worker) {
    if (worker == null) {
      return;
    }
    try {
      worker.stdin.close(); // the worker halts at the end of its input
    } catch (IOException ignored) {
      // it is gone already
    }
    worker.process.destroyForcibly();
  }

  /** Stops every worker (the operator is stopping). */
  @Override
  public void close() {
    closed = true;
    watcher.shutdownNow();
    live.forEach(this::retire);
  }

  /** The same Java and the same classes as this operator (absolute paths: the worker may start elsewhere). */
  private List<String> command(String token, Path dir) {
    String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // C1, the serial collector, a heap that starts small and a small code cache keep a mostly idle JVM small
    // (141 → 118 MiB idle); a full heap ends the worker (a bound, not a hang)
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss1m", "-Xms8m",
        "-XX:ReservedCodeCacheSize=24m", "-Xmx" + (limits.heapBytes() >> 20) + "m", "-XX:+ExitOnOutOfMemoryError",
        tmpDirOption(dir)));
    if (!SharedHelmLibrary.workerOption().isEmpty()) {
      command.add(SharedHelmLibrary.workerOption());
    }
    command.addAll(List.of("-cp", classPath, HelmWorkerServer.class.getName(), token, dir.toString()));
    return command;
  }

  /** Resident memory of a process in bytes from /proc (0 when it is gone). */
  static long residentBytes(long pid) {
    try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "status"))) {
      return lines.filter(line -> line.startsWith("VmRSS:")).findFirst()
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024).orElse(0L);
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }

  static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }

  private final class Worker {
    final Process process;
    final String token;
    final Path dir;
    final Writer stdin;
    final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    int calls;
    volatile boolean busy;
    /**
     * The call is a render or lint, stopped at the memory limit. An install, upgrade or uninstall is not: killed
     * midway it would leave a pending revision, and its memory (a large cluster's OpenAPI schema, a large release
     * record) is not the chart's doing; after it the worker is recycled like any other.
     */
    volatile boolean boundedByMemory;
    /** The last call got its answer (a result, or Helm's error): the worker can take the next one. */
    volatile boolean answered;
    volatile long peak;
    volatile long idleSince;
    volatile RenderLimitException.Bound killedFor;

    Worker(Process process, String token, Path dir) {
      this.process = process;
      this.token = token;
      this.dir = dir;
      this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(this::readReplies, "helm-worker-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    long rss() {
      return residentBytes(process.pid());
    }

    /** The worker's lines that carry its token are replies; anything else Helm printed is passed on. */
    private void readReplies() {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          int at = line.indexOf(token);
          if (at < 0) {
            LOG.info("Helm worker {}: {}", process.pid(), line);
            continue;
          }
          if (at > 0) {
            LOG.info("Helm worker {}: {}", process.pid(), line.substring(0, at));
          }
          replies.add(line.substring(at + token.length()).strip());
        }
      } catch (IOException ignored) {
        // the process is gone
      }
      replies.add("exit");
    }

    <T> T call(HelmWorkerServer.Job job, Class<T> resultType, String what, BooleanSupplier superseded) {
      // set before anything can fail: a worker that could not even be handed the job (its folder gone) must not
      // go back to the idle ones with the previous call's answer, or every call after fails the same way
      answered = false;
      Path jobFile = null;
      Path resultFile = null;
      try {
        jobFile = Files.createTempFile(dir, "job-", ".json",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        resultFile = HelmWorkerServer.resultFile(jobFile);
        JSON.writeValue(jobFile.toFile(), job);
        return await(job, jobFile, resultFile, resultType, what, superseded);
      } catch (IOException e) {
        throw new HelmException("could not hand " + what + " to a Helm worker: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new HelmException("interrupted while Helm was working; the operator is stopping", e);
      } finally {
        busy = false;
        deleteQuietly(jobFile);
        deleteQuietly(resultFile);
      }
    }

    private <T> T await(HelmWorkerServer.Job job, Path jobFile, Path resultFile, Class<T> resultType, String what,
        BooleanSupplier superseded) throws IOException, InterruptedException {
      calls++;
      peak = rss();
      boundedByMemory = job.rendersOnly();
      busy = true;
      stdin.write(jobFile.toString() + "\n");
      stdin.flush();
      long start = System.nanoTime();
      Duration timeout = job.rendersOnly() ? limits.timeout() : job.job().helmTimeout().plus(HELM_TIMEOUT_MARGIN);
      long deadline = start + timeout.toNanos();
      String reply;
      while ((reply = replies.poll(POLL_MILLIS, TimeUnit.MILLISECONDS)) == null) {
        if (superseded.getAsBoolean()) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          throw new HelmStoppedException("helmop stopped " + what + ": its HelmRelease changed meanwhile");
        }
        if (System.nanoTime() - deadline > 0) {
          killedFor = RenderLimitException.Bound.TIME;
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          if (!job.rendersOnly()) {
            throw new HelmException(what + " was still running after " + seconds(timeout) + ", longer than "
                + "Helm's timeout of " + seconds(Duration.ofSeconds(job.job().timeoutSeconds())) + " allows for "
                + "its hooks, its wait, a rollback and its tests; its Helm worker was stopped", null);
          }
          throw stopped(RenderLimitException.Bound.TIME, what + " took longer than the render "
              + "timeout of " + seconds(limits.timeout()) + " (--render-timeout), and its Helm worker was stopped");
        }
      }
      busy = false;
      if (reply.equals("exit")) {
        process.waitFor(5, TimeUnit.SECONDS);
        if (killedFor == RenderLimitException.Bound.MEMORY
            || !process.isAlive() && process.exitValue() == JAVA_OUT_OF_MEMORY) {
          throw stopped(RenderLimitException.Bound.MEMORY, what + " went over the render memory "
              + "limit of " + mib(limits.memoryBytes()) + " (--render-memory-limit): its Helm worker reached "
              + mib(Math.max(peak, limits.memoryBytes())) + " and was stopped");
        }
        if (closed) {
          throw new HelmException("the operator is stopping; " + what + " was stopped", null);
        }
        if (!process.isAlive() && process.exitValue() == KILLED) {
          throw stopped(RenderLimitException.Bound.MEMORY, what + " was stopped by the system "
              + "at " + mib(peak) + " of its Helm worker, most likely because the operator's pod reached its memory "
              + "limit; lower --render-memory-limit (" + mib(limits.memoryBytes()) + ") or --render-workers, or "
              + "give the pod more memory");
        }
        throw new HelmException("the Helm worker process ended during " + what + " (exit code "
            + (process.isAlive() ? "unknown" : process.exitValue()) + "; see the operator log)", null);
      }
      answered = true;
      LOG.debug("{}: {} ms in Helm worker {}, peak {}", what, (System.nanoTime() - start) / 1_000_000,
          process.pid(), mib(peak));
      long size = Files.size(resultFile);
      if (size > limits.outputBytes()) {
        throw stopped(RenderLimitException.Bound.OUTPUT, what + " produced " + mib(size)
            + " of output, more than the " + mib(limits.outputBytes()) + " helmop reads back from a Helm worker "
            + "(Helm could not keep a release that large anyway: its record must fit in a Secret of 1 MiB)");
      }
      if (reply.equals(HelmWorkerServer.FAILED)) {
        throw new HelmException(Files.readString(resultFile).strip(), null);
      }
      if (reply.equals(HelmWorkerServer.TESTS_FAILED)) {
        throw new HelmTestsFailedException(Files.readString(resultFile).strip());
      }
      return JSON.readValue(resultFile.toFile(), resultType);
    }
  }

  private static String seconds(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
  }

  private static void deleteQuietly(Path file) {
    try {
      if (file != null) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.debug("Could not delete {}: {}", file, e.getMessage());
    }
  }

  /**
   * The temporary folder of a worker JVM. helm-java copies its 94 MB native library into a new temporary folder in
   * every JVM that loads it and deletes it only when that JVM exits normally; a worker halts or is killed, so each
   * one left its copy in /tmp (696 copies, 63 GB, after a day of tests). In a folder of its own, which the operator
   * deletes when the worker ends, nothing is left.
   */
  static String tmpDirOption(Path dir) {
    return "-Djava.io.tmpdir=" + dir.toAbsolutePath();
  }
}
