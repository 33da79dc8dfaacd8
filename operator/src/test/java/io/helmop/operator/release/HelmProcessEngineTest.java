package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.operator.config.HelmKubeconfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs run in a Helm worker process that helmop can stop. The "API servers" here are sockets on 127.0.0.1: a
 * closed port (Helm fails at once) and one that accepts connections and never answers (Helm would wait).
 */
class HelmProcessEngineTest {
  @TempDir Path dir;
  private HelmWorkerPool pool;

  @AfterEach
  void stop() {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void helmsOwnFailureComesBackFromTheWorker() throws Exception {
    int closedPort = closedPort();
    HelmProcessEngine helm = engine(closedPort);

    assertThatThrownBy(() -> helm.install(request(), null, () -> false))
        .isInstanceOf(HelmException.class)
        .isNotInstanceOf(HelmStoppedException.class)
        .hasMessageContaining("127.0.0.1:" + closedPort)
        .hasMessageContaining("connection refused");
    try (var files = Files.walk(dir.resolve("work"))) {
      assertThat(files.filter(f -> f.getFileName().toString().startsWith("job-")))
          .as("job files hold values: removed after the call").isEmpty();
    }
  }

  @Test
  void installsUpgradesAndRendersShareOneWarmWorker() throws Exception {
    int closedPort = closedPort();
    HelmProcessEngine helm = engine(closedPort);
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> helm.upgrade(request(), null, () -> false)).hasMessageContaining("connection refused");
      System.out.printf("upgrade %d (Helm fails at once): %d ms%s%n", i + 1, (System.nanoTime() - start) / 1_000_000,
          i == 0 ? " (the worker's start included)" : "");
    }
    assertThat(helm.render(request(), "v1.33.0").objects()).hasSize(1);

    assertThat(pool.started()).as("one worker served all four calls: no JVM start per install").isEqualTo(1);
  }

  @Test
  void uninstallsRunInAWorkerWithTheirOptions() throws Exception {
    int closedPort = closedPort();
    HelmProcessEngine helm = engine(closedPort);

    assertThatThrownBy(() -> helm.uninstall("web", "apps", new HelmEngine.UninstallOptions(true, true, "foreground")))
        .isInstanceOf(HelmException.class)
        .hasMessageContaining("127.0.0.1:" + closedPort);
    assertThat(pool.started()).as("Helm ran in a worker, not in this JVM").isEqualTo(1);
  }

  @Test
  void anInstallThatIsSupersededIsStoppedAndItsProcessEnds() throws Exception {
    try (SilentServer server = new SilentServer()) {
      HelmProcessEngine helm = engine(server.port());
      long started = System.nanoTime();

      // superseded once Helm is at work (it has reached the API server), however long the worker took to start
      List<Long> atWork = new CopyOnWriteArrayList<>();
      assertThatThrownBy(() -> helm.install(request(), null, () -> {
        if (server.connections.isEmpty()) {
          return false;
        }
        atWork.addAll(pool.pids());
        return true;
      }))
          .isInstanceOf(HelmStoppedException.class)
          .hasMessageContaining("stopped the install of release web");
      System.out.printf("superseded install stopped %d ms after it started, worker start included (Helm was "
          + "waiting on a silent API "
          + "server, timeout 5 min)%n", (System.nanoTime() - started) / 1_000_000);
      assertThat(server.connections).as("Helm was at work when it was stopped").isNotEmpty();
      assertThat(atWork).as("the worker that ran it was killed (a fresh one replaces it)").singleElement()
          .satisfies(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
    }
  }

  @Test
  void anInstallSupersededBeforeItReachesAWorkerIsDroppedWithoutCostingTheWorker() throws Exception {
    try (SilentServer server = new SilentServer()) {
      HelmProcessEngine helm = engine(server.port());
      helm.render(request(), null); // a warm worker
      List<Long> warm = pool.pids();

      assertThatThrownBy(() -> helm.install(request(), null, () -> true))
          .isInstanceOf(HelmStoppedException.class)
          .hasMessageContaining("dropped the install of release web before Helm started it");

      assertThat(server.connections).as("Helm never went to work, so it left no pending revision").isEmpty();
      assertThat(pool.started()).as("no worker was killed and replaced").isEqualTo(1);
      assertThat(warm).singleElement()
          .satisfies(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isPresent());
    }
  }

  /** A port nothing listens on: Helm fails at once with "connection refused". */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private HelmProcessEngine engine(int apiServerPort) throws IOException {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: local, cluster: {server: "http://127.0.0.1:%d"}}]
        users: [{name: local, user: {token: not-a-real-token}}]
        contexts: [{name: local, context: {cluster: local, user: local}}]
        current-context: local
        """.formatted(apiServerPort));
    HelmKubeconfig config = HelmKubeconfig.fromFile(kubeconfig);
    Path work = dir.resolve("work");
    pool = new HelmWorkerPool(new HelmWorkerPool.Limits(1, 384L << 20, Duration.ofSeconds(30), 100, 16L << 20), work);
    return new HelmProcessEngine(() -> config, 1, pool);
  }

  private ReleaseRequest request() throws IOException {
    Path chart = dir.resolve("chart");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.0.0\n");
    Files.writeString(chart.resolve("templates/configmap.yaml"), """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: web}
        data: {message: {{ .Values.message | quote }}}
        """);
    return new ReleaseRequest("web", "apps", chart, Map.of("message", "hello"), true, true, Duration.ofMinutes(5),
        false, true);
  }

  /** Accepts connections and never answers: a client without a deadline waits forever. */
  static final class SilentServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<Socket> connections = new CopyOnWriteArrayList<>();
    final Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          connections.add(socket.accept());
        }
      } catch (IOException closed) {
        // the test is over
      }
    });

    SilentServer() throws IOException {
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket connection : connections) {
        connection.close();
      }
    }
  }
}
