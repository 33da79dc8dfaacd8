package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chart repositories that misbehave, as real servers on 127.0.0.1 speaking raw HTTP/1.1: headers then silence,
 * no headers at all, a trickle, an endless body, an error page with internal data.
 */
class HostileSourceTest {
  static final SourceLimits TIGHT = new SourceLimits(Duration.ofSeconds(2), Duration.ofSeconds(1),
      Duration.ofSeconds(3), 64 * 1024, 256 * 1024, 1024 * 1024, 100, Duration.ofMillis(500));

  @TempDir Path cacheDir;
  final List<ServerSocket> servers = new ArrayList<>();
  final List<Socket> held = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : held) {
      socket.close();
    }
    for (ServerSocket server : servers) {
      server.close();
    }
  }

  /** A server answering every connection with {@code answer}, each on its own thread. */
  int serve(Consumer<Socket> answer) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    servers.add(server);
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          synchronized (held) {
            held.add(socket);
          }
          Thread worker = new Thread(() -> answer.accept(socket));
          worker.setDaemon(true);
          worker.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    accept.setDaemon(true);
    accept.start();
    return server.getLocalPort();
  }

  static void readRequest(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    int matched = 0;
    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }

  static void headers(Socket socket, int status, String... extra) throws IOException {
    readRequest(socket);
    StringBuilder h = new StringBuilder("HTTP/1.1 " + status + " X\r\n");
    for (String header : extra) {
      h.append(header).append("\r\n");
    }
    socket.getOutputStream().write(h.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
  }

  HelmRepositoryClient client() {
    return new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30), Clock.systemUTC(), TIGHT);
  }

  static ChartSpec spec(String repository) {
    ChartSpec spec = new ChartSpec();
    spec.setRepository(repository);
    spec.setName("hello");
    spec.setVersion("1.0.0");
    return spec;
  }

  ReconcileFailure resolveFails(HelmRepositoryClient client, String repository) {
    long start = System.nanoTime();
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> client.resolve(spec(repository),
        Duration.ofMinutes(10), RepositoryCredentials.NONE));
    System.out.printf("%s: failed after %d ms: %s%n", repository, (System.nanoTime() - start) / 1_000_000,
        thrown == null ? null : thrown.getMessage());
    assertThat(thrown).isInstanceOf(ReconcileFailure.class);
    return (ReconcileFailure) thrown;
  }

  @Test
  void headersThenSilenceEndsInARetryableTimeoutNamingTheUrlAndTheDeadline() throws Exception {
    int port = serve(socket -> {
      try {
        headers(socket, 200, "Content-Length: 100000");
        socket.getOutputStream().write("apiVersion: v1\n".getBytes(StandardCharsets.UTF_8)); // and then nothing
        socket.getOutputStream().flush();
      } catch (IOException ignored) {
        // the client gave up
      }
    });
    ReconcileFailure failure = resolveFails(client(), "http://127.0.0.1:" + port);

    assertThat(failure.reason()).isEqualTo(Reasons.SOURCE_TIMEOUT);
    assertThat(failure.isRetryable()).isTrue();
    assertThat(failure.getMessage()).contains("http://127.0.0.1:" + port + "/index.yaml", "sent nothing for 1s",
        "--source-read-timeout", "spec.chart.repository");
  }

  @Test
  void noHeadersAtAllEndsInATimeoutToo() throws Exception {
    int port = serve(socket -> { }); // accepts, reads nothing, answers nothing
    ReconcileFailure failure = resolveFails(client(), "http://127.0.0.1:" + port);

    assertThat(failure.reason()).isEqualTo(Reasons.SOURCE_TIMEOUT);
    assertThat(failure.getMessage()).contains("--source-read-timeout");
  }

  @Test
  void aServerThatNeverAcceptsEndsAtTheConnectDeadline() throws Exception {
    // a listener that never accepts, its backlog filled: Linux drops further SYNs, so connecting hangs
    ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    servers.add(full);
    for (int i = 0; i < 8; i++) {
      Socket filler = new Socket();
      try {
        filler.connect(full.getLocalSocketAddress(), 200);
        held.add(filler);
      } catch (IOException backlogFull) {
        filler.close();
        break;
      }
    }
    SourceLimits connectFirst = new SourceLimits(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(5),
        TIGHT.maxIndexBytes(), TIGHT.maxArchiveBytes(), TIGHT.maxUnpackedBytes(), TIGHT.maxFiles(), TIGHT.fetchWait());
    ReconcileFailure failure = resolveFails(new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30),
        Clock.systemUTC(), connectFirst), "http://127.0.0.1:" + full.getLocalPort());
    assertThat(failure.reason()).isEqualTo(Reasons.SOURCE_TIMEOUT);
    assertThat(failure.getMessage()).contains("could not be connected to within 1s (--source-connect-timeout)");
  }

  @Test
  void aGitServerThatStallsOverHttpEndsInATimeout() throws Exception {
    int http = serve(socket -> {
      try {
        headers(socket, 200, "Content-Type: application/x-git-upload-pack-advertisement", "Content-Length: 100000");
      } catch (IOException ignored) {
        // the client gave up
      }
    });
    GitChartSource source = new GitChartSource(cacheDir.resolve("mirrors"), new ChartCache(cacheDir.resolve("charts"),
        1 << 30), Clock.systemUTC(), TIGHT);
    // not git://: JGit's timeout there interrupts the reading thread, which a JDK socket read ignores (since JDK 13);
    // SourceFetches' own deadline bounds it (aFetchStuckBeyondEveryDeadlineIsAbandoned)
    for (String url : List.of("http://127.0.0.1:" + http + "/charts.git")) {
      var spec = new io.helmop.api.v1alpha1.GitSource();
      spec.setUrl(url);
      long start = System.nanoTime();
      Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> source.resolve(spec,
          Duration.ofMinutes(1), RepositoryCredentials.NONE));
      System.out.printf("%s: failed after %d ms: %s%n", url, (System.nanoTime() - start) / 1_000_000,
          thrown.getMessage());
      assertThat(thrown).isInstanceOfSatisfying(ReconcileFailure.class, f -> {
        assertThat(f.reason()).isEqualTo(Reasons.SOURCE_TIMEOUT);
        assertThat(f.isRetryable()).isTrue();
        assertThat(f.getMessage()).contains(url, "spec.chart.git.url", "1s (--source-read-timeout)");
      });
    }
  }

  @Test
  void aTrickleEndsAtTheTotalDeadline() throws Exception {
    int port = serve(socket -> {
      try {
        headers(socket, 200, "Content-Length: 100000");
        for (int i = 0; i < 100; i++) {
          socket.getOutputStream().write('#');
          socket.getOutputStream().flush();
          Thread.sleep(300);
        }
      } catch (IOException | InterruptedException ignored) {
        // the client gave up
      }
    });
    ReconcileFailure failure = resolveFails(client(), "http://127.0.0.1:" + port);

    assertThat(failure.reason()).isEqualTo(Reasons.SOURCE_TIMEOUT);
    assertThat(failure.getMessage()).contains("took longer than 3s (--source-timeout)");
  }

  @Test
  void anEndlessIndexStopsAtItsBoundAndStalls() throws Exception {
    AtomicInteger sent = new AtomicInteger();
    int port = serve(socket -> {
      try {
        headers(socket, 200); // no length: the body ends when the connection does
        byte[] line = "# padding padding padding padding padding padding padding padding\n"
            .getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        while (sent.get() < 50 * 1024 * 1024) {
          out.write(line);
          sent.addAndGet(line.length);
        }
      } catch (IOException ignored) {
        // the client stopped reading
      }
    });
    ReconcileFailure failure = resolveFails(client(), "http://127.0.0.1:" + port);

    assertThat(failure.reason()).isEqualTo(Reasons.SOURCE_TOO_LARGE);
    assertThat(failure.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
    assertThat(failure.getMessage()).contains("larger than 64Ki (--source-max-index-size)");
    System.out.printf("the server got to send %d bytes of an endless index%n", sent.get());
    assertThat(sent.get()).isLessThan(50 * 1024 * 1024);
  }

  @Test
  void anEndlessArchiveStopsAtItsBoundAndLeavesNothingInTheCache() throws Exception {
    String index = "apiVersion: v1\nentries:\n  hello:\n  - name: hello\n    version: 1.0.0\n    urls: [hello.tgz]\n";
    int port = serve(socket -> {
      try {
        InputStream in = socket.getInputStream();
        byte[] request = new byte[8];
        int n = in.readNBytes(request, 0, 8);
        boolean isIndex = new String(request, 0, n, StandardCharsets.US_ASCII).startsWith("GET /ind");
        // the rest of the request
        readRequest(socket);
        OutputStream out = socket.getOutputStream();
        if (isIndex) {
          byte[] body = index.getBytes(StandardCharsets.UTF_8);
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
          out.write(body);
          out.flush();
          socket.close(); // one request a connection: the archive comes on a new one
          return;
        }
        out.write("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 1000; i++) {
          out.write(chunk);
        }
      } catch (IOException ignored) {
        // the client stopped reading
      }
    });
    ReconcileFailure failure = resolveFails(client(), "http://127.0.0.1:" + port);

    assertThat(failure.reason()).isEqualTo(Reasons.SOURCE_TOO_LARGE);
    assertThat(failure.getMessage()).contains("chart hello-1.0.0", "larger than 256Ki (--source-max-archive-size)");
    try (var files = Files.list(cacheDir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void theBodyOfAFailedFetchIsNeverQuoted() throws Exception {
    String internal = "INTERNAL-ADMIN-TOKEN-5f2c";
    int port = serve(socket -> {
      try {
        byte[] body = ("<html>" + internal + "</html>").getBytes(StandardCharsets.UTF_8);
        headers(socket, 500, "Content-Length: " + body.length);
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
      } catch (IOException ignored) {
        // done
      }
    });
    int htmlPort = serve(socket -> {
      try {
        byte[] body = ("<html><body>" + internal + ": {{{ not yaml").getBytes(StandardCharsets.UTF_8);
        headers(socket, 200, "Content-Length: " + body.length);
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
      } catch (IOException ignored) {
        // done
      }
    });
    ReconcileFailure error = resolveFails(client(), "http://127.0.0.1:" + port);
    ReconcileFailure html = resolveFails(client(), "http://127.0.0.1:" + htmlPort);

    assertThat(error.reason()).isEqualTo(Reasons.REPOSITORY_UNAVAILABLE);
    assertThat(error.getMessage()).contains("HTTP 500", "http://127.0.0.1:" + port + "/index.yaml")
        .doesNotContain(internal, "<html>");
    assertThat(html.reason()).isEqualTo(Reasons.REPOSITORY_UNAVAILABLE);
    assertThat(html.getMessage()).contains("not valid YAML").doesNotContain(internal, "<html>");
  }

  @Test
  void credentialsInARepositoryUrlAreRefusedAndNeverEchoed() {
    for (String url : List.of("https://alice:pa55-w0rd@charts.example.com/", "oci://alice:pa55-w0rd@registry.example.com/x",
        "https://pa55-w0rd@charts.example.com")) {
      assertThatThrownBy(() -> SourceUrls.checkRepository(url)).isInstanceOfSatisfying(ReconcileFailure.class, f -> {
        assertThat(f.reason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(f.getMessage()).contains("spec.chart.repository", "spec.chart.secretRef")
            .doesNotContain("pa55-w0rd");
      });
    }
    assertThatThrownBy(() -> client().resolve(spec("http://u:pa55-w0rd@127.0.0.1:1"), Duration.ofMinutes(1),
        RepositoryCredentials.NONE)).hasMessageNotContaining("pa55-w0rd").hasMessageContaining("***@127.0.0.1:1");
  }

  @Test
  void gitUrlsReachTheNetworkOnly() throws Exception {
    for (String url : List.of("file:///var/cache/helmop/git/0123abcd", "/var/cache/helmop/git/0123abcd",
        "./repo", "../other", "ext::sh -c touch% /tmp/pwned", "C:\\repo", "ftp://host/repo.git")) {
      assertThatThrownBy(() -> SourceUrls.checkGit(url)).as(url).isInstanceOfSatisfying(ReconcileFailure.class, f -> {
        assertThat(f.reason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
        assertThat(f.getMessage()).contains("spec.chart.git.url", "https://");
      });
    }
    for (String url : List.of("https://github.com/org/charts.git", "http://127.0.0.1:8080/charts.git",
        "ssh://git@github.com/org/charts.git", "git@github.com:org/charts.git", "git://127.0.0.1/charts.git",
        "github.com:org/charts.git")) {
      SourceUrls.checkGit(url);
    }
    for (String url : List.of("https://alice:pa55-w0rd@github.com/org/charts.git",
        "https://ghp_token1234@github.com/org/charts.git", "ssh://git:pa55-w0rd@github.com/org/charts.git",
        "alice:pa55-w0rd@github.com:org/charts.git")) {
      assertThatThrownBy(() -> SourceUrls.checkGit(url)).as(url).isInstanceOfSatisfying(ReconcileFailure.class, f -> {
        assertThat(f.reason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(f.getMessage()).contains("spec.chart.git.url").doesNotContain("pa55-w0rd", "ghp_token1234");
      });
    }
  }

  @Test
  void tenReleasesOnOneStalledSourceShareOneFetchAndHoldNoThread() throws Exception {
    SourceFetches fetches = new SourceFetches(2, Duration.ofMillis(200), Duration.ofMinutes(1));
    AtomicInteger started = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    ResolvedChart chart = new ResolvedChart("hello", "1.0.0", "", cacheDir, "abc");
    SourceFetches.Fetch stalled = () -> {
      started.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return chart;
    };
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> fetches.resolve("same source", "chart hello from http://127.0.0.1:1", stalled))
          .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
            assertThat(f.reason()).isEqualTo(Reasons.SOURCE_FETCHING);
            assertThat(f.isRetryable()).isTrue();
          });
    }
    System.out.printf("ten reconciles on a stalled source returned within %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    // a healthy source still gets a fetch thread
    assertThat(fetches.resolve("other source", "chart other", () -> chart)).isSameAs(chart);
    assertThat(started).hasValue(1);
    release.countDown();
    assertThat(fetches.resolve("same source", "chart hello", stalled)).isSameAs(chart);
    fetches.close();
  }

  @Test
  void aFetchStuckBeyondEveryDeadlineIsAbandonedAndCostsOneThread() throws Exception {
    SourceFetches fetches = new SourceFetches(1, Duration.ofMillis(100), Duration.ofMillis(500));
    AtomicInteger started = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean unstuck = new java.util.concurrent.atomic.AtomicBoolean();
    ResolvedChart chart = new ResolvedChart("hello", "1.0.0", "", cacheDir, "abc");
    SourceFetches.Fetch stuck = () -> { // as a socket read the JDK does not interrupt
      started.incrementAndGet();
      while (!unstuck.get()) {
        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
      }
      return chart;
    };
    assertThatThrownBy(() -> fetches.resolve("git://127.0.0.1:9/stuck", "Git repository git://127.0.0.1:9/stuck", stuck))
        .hasFieldOrPropertyWithValue("reason", Reasons.SOURCE_FETCHING);
    Thread.sleep(600);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> fetches.resolve("git://127.0.0.1:9/stuck", "Git repository git://127.0.0.1:9/stuck",
          stuck)).isInstanceOfSatisfying(ReconcileFailure.class, f -> {
            assertThat(f.reason()).isEqualTo(Reasons.SOURCE_TIMEOUT);
            assertThat(f.getMessage()).contains("git://127.0.0.1:9/stuck", "did not end within 500ms");
          });
    }
    assertThat(started).as("no second fetch beside the stuck one").hasValue(1);
    // its one slot went to the others
    assertThat(fetches.resolve("healthy", "chart other", () -> chart)).isSameAs(chart);

    unstuck.set(true);
    Thread.sleep(100);
    assertThat(fetches.resolve("git://127.0.0.1:9/stuck", "Git repository", () -> chart)).isSameAs(chart);
    fetches.close();
  }

  @Test
  void aSourceThatResolvedBeforeKeepsServingItsChartWhileItIsSlow() throws Exception {
    SourceFetches fetches = new SourceFetches(2, Duration.ofMillis(200), Duration.ofMinutes(1));
    Path archive = Files.writeString(cacheDir.resolve("hello.tgz"), "archive");
    ResolvedChart before = new ResolvedChart("hello", "1.0.0", "", archive, "abc");
    assertThat(fetches.resolve("source", "chart hello", () -> before)).isSameAs(before);

    CountDownLatch release = new CountDownLatch(1);
    ResolvedChart after = fetches.resolve("source", "chart hello", () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return before;
    });
    assertThat(after).as("served while the source is slow, no SourceFetching").isSameAs(before);
    release.countDown();
    fetches.close();
  }

  @Test
  void releasesOfDifferentChartsInOneStalledRepositoryShareOneIndexDownload() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    int port = serve(socket -> {
      try {
        requests.incrementAndGet();
        headers(socket, 200, "Content-Length: 100000"); // and never the body
      } catch (IOException ignored) {
        // the client gave up
      }
    });
    HelmRepositoryClient client = client();
    List<Thread> releases = new ArrayList<>();
    List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int i = 0; i < 5; i++) {
      ChartSpec spec = spec("http://127.0.0.1:" + port);
      spec.setName("chart-" + i);
      Thread thread = new Thread(() -> {
        try {
          client.resolve(spec, Duration.ofMinutes(10), RepositoryCredentials.NONE);
        } catch (ReconcileFailure f) {
          reasons.add(f.reason());
        }
      });
      thread.start();
      releases.add(thread);
    }
    for (Thread thread : releases) {
      thread.join();
    }
    assertThat(reasons).hasSize(5).containsOnly(Reasons.SOURCE_TIMEOUT);
    System.out.printf("five charts of one stalled repository: %d index request(s)%n", requests.get());
    assertThat(requests.get()).isLessThan(5);
  }
}
