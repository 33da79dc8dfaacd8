package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real HTTP server on 127.0.0.1 serving an index and archives. */
class HelmRepositoryClientTest {
  static final byte[] ARCHIVE = "not really a tgz, but bytes with a digest".getBytes(StandardCharsets.UTF_8);

  HttpServer server;
  final Map<String, byte[]> files = new ConcurrentHashMap<>();
  final AtomicInteger indexRequests = new AtomicInteger();
  final AtomicInteger archiveRequests = new AtomicInteger();
  @TempDir Path cacheDir;

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      (path.endsWith("index.yaml") ? indexRequests : archiveRequests).incrementAndGet();
      byte[] body = files.get(path);
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      exchange.close();
    });
    server.start();
    publishIndex(sha256(ARCHIVE), "1.0.0", "1.1.0");
    files.put("/charts/hello-1.0.0.tgz", ARCHIVE);
    files.put("/charts/hello-1.1.0.tgz", ARCHIVE);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  void publishIndex(String digest, String... versions) {
    StringBuilder index = new StringBuilder("apiVersion: v1\nentries:\n  hello:\n");
    for (String v : versions) {
      index.append("  - name: hello\n    version: ").append(v).append("\n    appVersion: \"").append(v)
          .append("\"\n    digest: ").append(digest).append("\n    urls: [charts/hello-").append(v)
          .append(".tgz]\n");
    }
    files.put("/index.yaml", index.toString().getBytes(StandardCharsets.UTF_8));
  }

  ChartSpec spec(String version) {
    ChartSpec spec = new ChartSpec();
    spec.setRepository("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    spec.setName("hello");
    spec.setVersion(version);
    return spec;
  }

  @Test
  void indexIsFetchedOncePerIntervalAndArchivesOncePerDigest() throws Exception {
    var client = new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30), Clock.systemUTC());
    ResolvedChart first = client.resolve(spec("1.x"), Duration.ofMinutes(10), RepositoryCredentials.NONE);
    ResolvedChart second = client.resolve(spec("1.x"), Duration.ofMinutes(10), RepositoryCredentials.NONE);
    client.resolve(spec("1.0.0"), Duration.ofMinutes(10), RepositoryCredentials.NONE);

    assertThat(first.version()).isEqualTo("1.1.0");
    assertThat(second).isEqualTo(first);
    assertThat(Files.readAllBytes(first.archive())).isEqualTo(ARCHIVE);
    assertThat(first.digest()).isEqualTo(sha256(ARCHIVE));
    assertThat(indexRequests).hasValue(1);
    assertThat(archiveRequests).hasValue(1);
  }

  @Test
  void aVersionMissingFromTheCachedIndexRefreshesItEarlyAtMostEvery10Seconds() throws Exception {
    var clock = new GitSshTest.SteppingClock();
    var client = new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30), clock);
    Duration interval = Duration.ofMinutes(10);
    client.resolve(spec("1.0.0"), interval, RepositoryCredentials.NONE);

    // published a moment after the index was cached, asked for 11 s later: found at once, not after 10 minutes
    publishIndex(sha256(ARCHIVE), "1.0.0", "1.1.0", "1.2.0");
    files.put("/charts/hello-1.2.0.tgz", ARCHIVE);
    clock.advance(Duration.ofSeconds(11));
    assertThat(client.resolve(spec("1.2.0"), interval, RepositoryCredentials.NONE).version()).isEqualTo("1.2.0");
    assertThat(indexRequests).as("one early refresh").hasValue(2);

    // a second miss 5 s after that refresh does not fetch the index again
    publishIndex(sha256(ARCHIVE), "1.0.0", "1.1.0", "1.2.0", "1.3.0");
    files.put("/charts/hello-1.3.0.tgz", ARCHIVE);
    clock.advance(Duration.ofSeconds(5));
    assertThatThrownBy(() -> client.resolve(spec("1.3.0"), interval, RepositoryCredentials.NONE))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.reason()).isEqualTo("ChartVersionNotFound"));
    assertThat(indexRequests).as("no refetch within 10 s of the last one").hasValue(2);

    // once 10 s have passed since the last fetch, the next miss refreshes again
    clock.advance(Duration.ofSeconds(6));
    assertThat(client.resolve(spec("1.3.0"), interval, RepositoryCredentials.NONE).version()).isEqualTo("1.3.0");
    assertThat(indexRequests).hasValue(3);
  }

  @Test
  void aMissingVersionNamesTheConstraintTheRepositoryAndWhatExists() {
    var client = new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30), Clock.systemUTC());
    assertThatThrownBy(() -> client.resolve(spec("9.9.9"), Duration.ofMinutes(10), RepositoryCredentials.NONE))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.isRetryable()).isFalse();
          assertThat(f.reason()).isEqualTo("ChartVersionNotFound");
          assertThat(f.getMessage()).contains("9.9.9", "127.0.0.1", "1.0.0", "1.1.0");
        });
  }

  @Test
  void aDownRepositoryIsRetryableAndACachedIndexKeepsServing() throws Exception {
    var client = new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30), Clock.systemUTC());
    client.resolve(spec("1.0.0"), Duration.ofMinutes(10), RepositoryCredentials.NONE);
    int port = server.getAddress().getPort();
    server.stop(0);

    // index too old to trust, but the repository is down: the cached index and archive serve
    assertThat(client.resolve(spec("1.0.0"), Duration.ZERO, RepositoryCredentials.NONE).version()).isEqualTo("1.0.0");

    var fresh = new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30), Clock.systemUTC());
    assertThatThrownBy(() -> fresh.resolve(spec("1.0.0"), Duration.ofMinutes(10), RepositoryCredentials.NONE))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.isRetryable()).isTrue();
          assertThat(f.reason()).isEqualTo("RepositoryUnavailable");
          assertThat(f.getMessage()).contains("127.0.0.1:" + port);
        });
  }

  @Test
  void anArchiveThatDoesNotMatchTheIndexDigestIsRefused() {
    publishIndex("0".repeat(64), "1.0.0");
    var client = new HelmRepositoryClient(new ChartCache(cacheDir, 1 << 30), Clock.systemUTC());
    assertThatThrownBy(() -> client.resolve(spec("1.0.0"), Duration.ofMinutes(10), RepositoryCredentials.NONE))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("ChartDigestMismatch"));
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
