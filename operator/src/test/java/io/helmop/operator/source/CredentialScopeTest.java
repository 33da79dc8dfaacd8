package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.helmop.api.v1alpha1.ChartSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Credentials go only to the repository's own host (like Helm without --pass-credentials)". Two HTTP servers on
 * 127.0.0.1: the repository, and another host (another port is another host, as in Helm, which compares scheme
 * and host:port) that an index or a redirect can point to. Each records the Authorization header of every request.
 */
class CredentialScopeTest {
  static final String PASSWORD = "repo-pa55";
  static final String BASIC = "Basic " + Base64.getEncoder()
      .encodeToString(("reader:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  static final byte[] ARCHIVE = "chart archive bytes".getBytes(StandardCharsets.UTF_8);
  static final RepositoryCredentials CREDENTIALS =
      new RepositoryCredentials("apps/repo", "reader", PASSWORD, null, null, null);

  @TempDir Path dir;
  final Host repository = new Host();
  final Host otherHost = new Host();

  @BeforeEach
  void serve() throws IOException {
    repository.start();
    otherHost.start();
  }

  @AfterEach
  void stop() {
    repository.stop();
    otherHost.stop();
  }

  @Test
  void credentialsAreNotSentToAnotherHostTheIndexPointsTo() throws Exception {
    repository.files.put("/index.yaml", index(otherHost.url() + "/mirror/hello-1.0.0.tgz"));
    otherHost.files.put("/mirror/hello-1.0.0.tgz", ARCHIVE);

    ResolvedChart chart = client().resolve(spec(), Duration.ofMinutes(10), CREDENTIALS);

    assertThat(Files.readAllBytes(chart.archive())).isEqualTo(ARCHIVE);
    assertThat(repository.requests).containsExactly("/index.yaml " + BASIC);
    assertThat(otherHost.requests).containsExactly("/mirror/hello-1.0.0.tgz none");
  }

  @Test
  void credentialsGoWithTheArchiveWhenTheIndexPointsToTheRepositorysOwnHost() throws Exception {
    repository.files.put("/index.yaml", index("charts/hello-1.0.0.tgz"));
    repository.files.put("/charts/hello-1.0.0.tgz", ARCHIVE);

    client().resolve(spec(), Duration.ofMinutes(10), CREDENTIALS);

    assertThat(repository.requests).containsExactly("/index.yaml " + BASIC, "/charts/hello-1.0.0.tgz " + BASIC);
  }

  @Test
  void credentialsDoNotFollowARedirectToAnotherHost() throws Exception {
    repository.files.put("/index.yaml", index("charts/hello-1.0.0.tgz"));
    repository.redirects.put("/charts/hello-1.0.0.tgz", otherHost.url() + "/storage/hello-1.0.0.tgz");
    otherHost.files.put("/storage/hello-1.0.0.tgz", ARCHIVE);

    ResolvedChart chart = client().resolve(spec(), Duration.ofMinutes(10), CREDENTIALS);

    assertThat(Files.readAllBytes(chart.archive())).isEqualTo(ARCHIVE);
    assertThat(repository.requests).containsExactly("/index.yaml " + BASIC, "/charts/hello-1.0.0.tgz " + BASIC);
    assertThat(otherHost.requests).containsExactly("/storage/hello-1.0.0.tgz none");
  }

  HelmRepositoryClient client() {
    return new HelmRepositoryClient(new ChartCache(dir.resolve("cache"), 1 << 30), Clock.systemUTC());
  }

  ChartSpec spec() {
    ChartSpec spec = new ChartSpec();
    spec.setRepository(repository.url());
    spec.setName("hello");
    spec.setVersion("1.0.0");
    return spec;
  }

  static byte[] index(String chartUrl) {
    return ("apiVersion: v1\nentries:\n  hello:\n  - {name: hello, version: 1.0.0, urls: [\"" + chartUrl + "\"]}\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A web server on 127.0.0.1 that serves files and redirects, and writes down "path Authorization". */
  static final class Host {
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final Map<String, String> redirects = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer server;

    void start() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void stop() {
      server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
      String path = exchange.getRequestURI().getPath();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      requests.add(path + " " + (authorization == null ? "none" : authorization));
      String location = redirects.get(path);
      if (location != null) {
        exchange.getResponseHeaders().add("Location", location);
        FakeOciRegistry.respond(exchange, 302, new byte[0]);
      } else {
        byte[] body = files.get(path);
        FakeOciRegistry.respond(exchange, body == null ? 404 : 200, body == null ? new byte[0] : body);
      }
    }
  }
}
