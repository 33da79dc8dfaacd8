package io.helmop.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The operator as users run it: `java -jar operator/target/helmop-operator.jar`, in its own process.
 *
 * <p>Test classes that need the default flags share one process per test JVM ({@link #shared}); a class that
 * needs other flags or environment, or kills or stops the operator, starts its own ({@link #start}). Never two
 * at once: both watch every namespace and would fight over the same releases, so {@link #start} stops the
 * shared one first (the next {@link #shared} starts it again), and {@link #shared} refuses while another runs.
 */
public final class OperatorProcess implements AutoCloseable {
  /** What the operator logs (at DEBUG, which the shared operator runs with) as a reconcile begins. */
  public static final String RECONCILE_STARTED = "Reconciling generation";

  private static OperatorProcess shared;
  private static boolean stopSharedAtExit;
  private static final Set<OperatorProcess> dedicated = ConcurrentHashMap.newKeySet();

  private final Process process;
  private final Path log;
  /** Complete log lines read so far; the log is read on from {@link #readUpTo}, never from the start again. */
  private final List<String> lines = new ArrayList<>();
  private long readUpTo;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * The operator with default flags that test classes share, started on first use (or again, after a class
   * stopped it or ran its own), and stopped when the test JVM exits. Its log is at DEBUG, so tests can see each
   * reconcile begin ({@link #RECONCILE_STARTED}) and each Helm call. Each test keeps to its own namespaces: log
   * lines carry the HelmRelease's namespace/name, so {@link #logged} sees only the test's own releases. Its Java
   * heap is committed and touched up front, so that growth of its resident memory is native memory, where
   * helm-java's leak would show (MemorySoakBenchmarkIT).
   */
  public static synchronized OperatorProcess shared(LocalCluster cluster) {
    if (shared == null || !shared.isAlive()) {
      dedicated.removeIf(p -> !p.isAlive());
      if (!dedicated.isEmpty()) {
        throw new IllegalStateException("an operator a test class started itself still runs (log: "
            + dedicated.iterator().next().logFile() + "); close it before using the shared one");
      }
      shared = launch(cluster, Map.of("HELMOP_LOG_LEVEL", "DEBUG",
          "JAVA_TOOL_OPTIONS", "-Xms256m -XX:+AlwaysPreTouch"));
      System.out.println("shared operator started, log: " + shared.logFile());
      if (!stopSharedAtExit) {
        stopSharedAtExit = true;
        Runtime.getRuntime().addShutdownHook(new Thread(OperatorProcess::stopShared, "stop shared operator"));
      }
    }
    return shared;
  }

  /** An operator of the test's own (other flags or environment, or to kill it); stops the shared one first. */
  public static synchronized OperatorProcess start(LocalCluster cluster, Map<String, String> env, String... args) {
    stopShared();
    OperatorProcess operator = launch(cluster, env, args);
    dedicated.add(operator);
    return operator;
  }

  private static synchronized void stopShared() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }

  private static OperatorProcess launch(LocalCluster cluster, Map<String, String> env, String... args) {
    Path jar = cluster.repo().resolve("operator/target/helmop-operator.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with `mvn -B package -DskipTests`");
    }
    try {
      Path logs = Files.createDirectories(cluster.repo().resolve("e2e/target/operator-logs"));
      Path log = Files.createTempFile(logs, "helmop-", ".log");
      List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m",
          "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-jar", jar.toString()));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      Map<String, String> environment = new HashMap<>(Map.of(
          "KUBECONFIG", cluster.kubeconfig().toString(),
          "HELMOP_CACHE_DIR", Files.createTempDirectory("helmop-cache-").toString(),
          "HELMOP_RETRY_INITIAL_INTERVAL", "1s",
          "HELMOP_RETRY_MAX_INTERVAL", "5s"));
      environment.putAll(env);
      builder.environment().putAll(environment);
      return new OperatorProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The whole log as it is now. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * When the operator logged a line about HelmRelease namespace/name containing the fragment, in log order
   * (log lines carry millisecond timestamps and the release from JOSDK's MDC).
   */
  public List<Instant> logged(String namespace, String name, String fragment) {
    String marker = "[" + namespace + "/" + name + "]";
    List<Instant> times = new ArrayList<>();
    for (String line : lines()) {
      if (line.contains(marker) && line.contains(fragment)) {
        try {
          times.add(OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant());
        } catch (DateTimeParseException | StringIndexOutOfBoundsException notALogLine) {
          // a stack trace or a child process's output that happens to contain the marker
        }
      }
    }
    return times;
  }

  /**
   * For each HelmRelease of the namespace the operator logged a line containing the fragment about: when it
   * last did.
   */
  public Map<String, Instant> lastLoggedPerRelease(String namespace, String fragment) {
    String prefix = "[" + namespace + "/";
    Map<String, Instant> last = new HashMap<>();
    List<String> lines = lines();
    for (int i = lines.size() - 1; i >= 0; i--) { // newest first: one timestamp to parse per release
      String line = lines.get(i);
      int start = line.indexOf(prefix);
      int end = start < 0 ? -1 : line.indexOf(']', start);
      if (end > 0 && line.contains(fragment)) {
        String release = line.substring(start + prefix.length(), end);
        if (!last.containsKey(release)) {
          try {
            last.put(release, OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant());
          } catch (DateTimeParseException | StringIndexOutOfBoundsException notALogLine) {
            // a stack trace or a child process's output that happens to contain the marker
          }
        }
      }
    }
    return last;
  }

  /**
   * How many log lines contain the fragment and mention the namespace (the MDC of a reconcile's lines, or a Helm
   * call's request, "ReleaseRequest[namespace/name ...]", logged by a child process without MDC).
   */
  public long count(String fragment, String namespace) {
    String mention = namespace + "/";
    return lines().stream().filter(line -> line.contains(fragment) && line.contains(mention)).count();
  }

  /** When the operator began reconciling HelmRelease namespace/name (it logs that only at DEBUG). */
  public List<Instant> reconciles(String namespace, String name) {
    return logged(namespace, name, RECONCILE_STARTED);
  }

  /** The complete lines of the log, reading only what was appended since the last call. */
  private synchronized List<String> lines() {
    try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size > readUpTo) {
        ByteBuffer buffer = ByteBuffer.allocate((int) (size - readUpTo));
        while (buffer.hasRemaining() && channel.read(buffer, readUpTo + buffer.position()) > 0) {
          // read on until the buffer is full
        }
        byte[] bytes = buffer.array();
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
          end--; // an unfinished last line is read next time, whole
        }
        if (end > 0) {
          new String(bytes, 0, end, StandardCharsets.UTF_8).lines().forEach(lines::add);
          readUpTo += end;
        }
      }
      return List.copyOf(lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path logFile() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGTERM, as the kubelet does, and waits up to {@code limit} for the process to exit. */
  public boolean terminate(Duration limit) {
    process.destroy(); // SIGTERM on Linux
    try {
      return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** SIGKILL: the process gets no chance to finish anything, as when a node dies or the OOM killer strikes. */
  public void kill() {
    process.destroyForcibly(); // SIGKILL on Linux
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public long pid() {
    return process.pid();
  }

  /** Resident memory of the operator process in KiB (VmRSS of /proc/PID/status). */
  public long residentKib() {
    try {
      return Files.readAllLines(Path.of("/proc/" + process.pid() + "/status")).stream()
          .filter(line -> line.startsWith("VmRSS:"))
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
          .findFirst().orElseThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int exitCode() {
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive() && !terminate(Duration.ofSeconds(15))) {
      process.destroyForcibly();
    }
  }
}
