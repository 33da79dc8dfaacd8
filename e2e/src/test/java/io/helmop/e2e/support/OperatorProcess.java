package io.helmop.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The operator as users run it: `java -jar operator/target/helmop-operator.jar`, in its own process. */
public final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static OperatorProcess start(LocalCluster cluster, Map<String, String> env, String... args) {
    Path jar = cluster.repo().resolve("operator/target/helmop-operator.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with `mvn -B package -DskipTests`");
    }
    try {
      Path logs = Files.createDirectories(cluster.repo().resolve("e2e/target/operator-logs"));
      Path log = Files.createTempFile(logs, "helmop-", ".log");
      List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-jar", jar.toString()));
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
  public List<java.time.Instant> logged(String namespace, String name, String fragment) {
    String marker = "[" + namespace + "/" + name + "]";
    return log().lines()
        .filter(line -> line.contains(marker) && line.contains(fragment))
        .map(line -> java.time.OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant())
        .toList();
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
