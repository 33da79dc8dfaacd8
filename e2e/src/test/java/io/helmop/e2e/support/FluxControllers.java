package io.helmop.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Flux's helm-controller and source-controller as local processes on the local control plane, built by
 * e2e/bench.sh from the Go module proxy at pinned versions, with their CRDs applied from the Go module cache.
 * Default settings of both, except what running outside a cluster needs: no leader election, every port on
 * 127.0.0.1, source-controller serving its artifacts on 127.0.0.1 (where helm-controller downloads them).
 */
public final class FluxControllers implements AutoCloseable {
  public static final String NAMESPACE = "flux-system";

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  private FluxControllers() {}

  /** Builds Flux if it is not cached (the first time takes minutes: see e2e/bench.sh), prints how long it took. */
  public static Path binaries(LocalCluster cluster) {
    long start = System.nanoTime();
    Command.Result built = Command.run(Duration.ofMinutes(60), Map.of(), null, cluster.repo(), "bash",
        cluster.repo().resolve("e2e/bench.sh").toString(), "build").orFail();
    System.out.printf("BENCHMARK Flux binaries ready in %d s (built now if not cached)%n",
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    return Path.of(built.lastLine());
  }

  /** Applies Flux's CRDs (server-side: they are too large for kubectl's last-applied annotation). */
  public static void installCrds(LocalCluster cluster) {
    String crds = Command.run(Duration.ofMinutes(10), Map.of(), null, cluster.repo(), "bash",
        cluster.repo().resolve("e2e/bench.sh").toString(), "crds").orFail().output();
    List<String> files = crds.lines().map(String::strip).filter(l -> l.endsWith(".yaml")).toList();
    List<String> args = new ArrayList<>(List.of("apply", "--server-side", "--force-conflicts"));
    files.forEach(f -> args.addAll(List.of("-f", f)));
    cluster.kubectl(args.toArray(String[]::new)).orFail();
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s",
        "crd/helmreleases.helm.toolkit.fluxcd.io", "crd/helmrepositories.source.toolkit.fluxcd.io",
        "crd/helmcharts.source.toolkit.fluxcd.io").orFail();
    if (cluster.kubectl("get", "namespace", NAMESPACE).exitCode() != 0) {
      cluster.kubectl("create", "namespace", NAMESPACE).orFail();
    }
  }

  /**
   * Removes Flux's CRDs again: with them, `kubectl ... helmrelease/NAME` in the tests that run afterwards on the
   * shared control plane means Flux's HelmRelease, not helmop's.
   */
  public static void removeCrds(LocalCluster cluster) {
    List<String> flux = cluster.kubectl("get", "crd", "-o", "name").orFail().output().lines().map(String::strip)
        .filter(name -> name.endsWith(".toolkit.fluxcd.io")).toList();
    for (String crd : flux) {
      // with the controllers gone, an object left by a failed scenario would hold its CRD by its finalizer
      String kind = crd.substring(crd.indexOf('/') + 1);
      String objects = cluster.kubectl("get", kind, "-A", "-o",
          "jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name}{\"\\n\"}{end}").output();
      objects.lines().map(String::strip).filter(line -> !line.isEmpty()).forEach(line -> {
        String[] object = line.split(" ");
        cluster.kubectl("patch", kind, object[1], "-n", object[0], "--type=merge", "-p",
            "{\"metadata\":{\"finalizers\":null}}");
      });
    }
    if (!flux.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("delete", "--wait=true", "--timeout=120s"));
      args.addAll(flux);
      cluster.kubectl(args.toArray(String[]::new)).orFail();
      // kubectl keeps a discovery cache (10 min) that would still send `helmrelease` to Flux's group; a fresh
      // `api-resources` rewrites it
      for (int attempt = 0; attempt < 30; attempt++) {
        if (!cluster.kubectl("api-resources", "-o", "name").orFail().output().contains("toolkit.fluxcd.io")) {
          return;
        }
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Starts both controllers and waits for their health endpoints. */
  public static FluxControllers start(LocalCluster cluster, Path binaries) {
    FluxControllers flux = new FluxControllers();
    try {
      Path logDir = Files.createDirectories(cluster.repo().resolve("e2e/target/flux-logs"));
      Path storage = Files.createTempDirectory("flux-storage-");
      int storagePort = freePort();
      int sourceHealth = freePort();
      int helmHealth = freePort();
      flux.launch(cluster, logDir, binaries.resolve("source-controller"),
          "--enable-leader-election=false",
          "--metrics-addr=127.0.0.1:" + freePort(),
          "--health-addr=127.0.0.1:" + sourceHealth,
          "--storage-path=" + storage,
          "--storage-addr=127.0.0.1:" + storagePort,
          "--storage-adv-addr=127.0.0.1:" + storagePort);
      flux.launch(cluster, logDir, binaries.resolve("helm-controller"),
          "--enable-leader-election=false",
          "--metrics-addr=127.0.0.1:" + freePort(),
          "--health-addr=127.0.0.1:" + helmHealth);
      for (int port : List.of(sourceHealth, helmHealth)) {
        awaitHealthy(flux, port);
      }
      return flux;
    } catch (IOException | RuntimeException e) {
      flux.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  private void launch(LocalCluster cluster, Path logDir, Path binary, String... args) throws IOException {
    Path log = Files.createTempFile(logDir, binary.getFileName() + "-", ".log");
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(Map.of("KUBECONFIG", cluster.kubeconfig().toString(),
        "RUNTIME_NAMESPACE", NAMESPACE));
    processes.add(builder.start());
    logs.add(log);
  }

  private static void awaitHealthy(FluxControllers flux, int port) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < flux.processes.size(); i++) {
        if (!flux.processes.get(i).isAlive()) {
          throw new IllegalStateException("a Flux controller exited at start-up; its log: " + flux.logs.get(i));
        }
      }
      Command.Result probe = Command.run(Duration.ofSeconds(10), Map.of(), null, null,
          "curl", "-fsS", "--noproxy", "*", "-m", "2", "http://127.0.0.1:" + port + "/readyz");
      if (probe.exitCode() == 0) {
        return;
      }
      sleep(300);
    }
    throw new IllegalStateException("Flux did not report ready on 127.0.0.1:" + port + "; logs: " + flux.logs);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The controllers' process ids, for {@link ProcessMeter}. */
  public List<Long> pids() {
    return processes.stream().map(Process::pid).toList();
  }

  public List<Path> logs() {
    return List.copyOf(logs);
  }

  @Override
  public void close() {
    processes.forEach(Process::destroy); // SIGTERM
    for (Process p : processes) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}
