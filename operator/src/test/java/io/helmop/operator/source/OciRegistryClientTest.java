package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OCI client against a registry on 127.0.0.1 with a token service and blobs redirected to storage. */
class OciRegistryClientTest {
  static final String PASSWORD = "registry-pa55-not-in-messages";
  static final byte[] ARCHIVE_1 = "chart 0.1.0".getBytes(StandardCharsets.UTF_8);
  static final byte[] ARCHIVE_2 = "chart 0.2.0".getBytes(StandardCharsets.UTF_8);

  final FakeOciRegistry registry = new FakeOciRegistry();
  /** Authorization headers that reached the token service and the blob storage. */
  final List<String> tokenAuthorizations = new CopyOnWriteArrayList<>();
  final List<String> storageAuthorizations = new CopyOnWriteArrayList<>();
  HttpServer server;
  HttpServer storage;
  Instant now = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir Path dir;

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v2/", registry);
    server.createContext("/token", exchange -> {
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      tokenAuthorizations.add(authorization == null ? "none" : authorization);
      boolean ok = ("Basic " + Base64.getEncoder().encodeToString(("reader:" + PASSWORD)
          .getBytes(StandardCharsets.UTF_8))).equals(authorization)
          && exchange.getRequestURI().getQuery().contains("scope=repository:charts/hello:pull");
      FakeOciRegistry.respond(exchange, ok ? 200 : 401, ok
          ? ("{\"token\":\"" + FakeOciRegistry.TOKEN + "\"}").getBytes(StandardCharsets.UTF_8) : new byte[0]);
    });
    server.start();
    storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    storage.createContext("/", exchange -> {
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      storageAuthorizations.add(authorization == null ? "none" : authorization);
      String digest = exchange.getRequestURI().getPath().substring(1);
      FakeOciRegistry.respond(exchange, 200, registry.blobs.get(digest));
    });
    storage.start();
    registry.tokenRealm = "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    registry.blobStorage = "http://127.0.0.1:" + storage.getAddress().getPort();
    registry.push("0.1.0", "1.0.0", ARCHIVE_1);
    registry.push("1.0.0-rc.1", "2.0.0", "rc".getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    server.stop(0);
    storage.stop(0);
  }

  ChartSpec spec(String version) {
    ChartSpec spec = new ChartSpec();
    spec.setRepository("oci://127.0.0.1:" + server.getAddress().getPort() + "/charts");
    spec.setName("hello");
    spec.setVersion(version);
    return spec;
  }

  OciRegistryClient client() {
    Clock clock = new Clock() {
      @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(java.time.ZoneId zone) { return this; }
      @Override public Instant instant() { return now; }
    };
    return new OciRegistryClient(new ChartCache(dir.resolve("cache"), 1 << 30), clock);
  }

  static RepositoryCredentials credentials(String password) {
    return new RepositoryCredentials("apps/registry", "reader", password, null, null, null);
  }

  @Test
  void pullsWithABearerTokenAndNeverSendsItToTheBlobStorage() throws Exception {
    ResolvedChart chart = client().resolve(spec(""), Duration.ofMinutes(10), credentials(PASSWORD));

    assertThat(chart.nameAndVersion()).isEqualTo("hello-0.1.0"); // the prerelease is not "latest stable"
    assertThat(chart.appVersion()).isEqualTo("1.0.0");
    assertThat(Files.readAllBytes(chart.archive())).isEqualTo(ARCHIVE_1);
    assertThat(chart.digest()).isEqualTo(FakeOciRegistry.sha256(ARCHIVE_1));
    assertThat(tokenAuthorizations).hasSize(1).allMatch(a -> a.startsWith("Basic "));
    assertThat(storageAuthorizations).containsExactly("none");
  }

  @Test
  void theTagListIsReadOncePerIntervalAndANewTagIsFoundAfterIt() throws Exception {
    OciRegistryClient client = client();
    client.resolve(spec("0.x"), Duration.ofMinutes(10), credentials(PASSWORD));
    registry.push("0.2.0", "1.1.0", ARCHIVE_2);
    now = now.plusSeconds(60);
    assertThat(client.resolve(spec("0.x"), Duration.ofMinutes(10), credentials(PASSWORD)).version())
        .isEqualTo("0.1.0");
    assertThat(tagListings()).as("one listing").isEqualTo(1);

    now = now.plus(Duration.ofMinutes(10));
    ResolvedChart newer = client.resolve(spec("0.x"), Duration.ofMinutes(10), credentials(PASSWORD));
    assertThat(newer.nameAndVersion()).isEqualTo("hello-0.2.0");
    assertThat(Files.readAllBytes(newer.archive())).isEqualTo(ARCHIVE_2);
  }

  @Test
  void aVersionWithBuildMetadataIsFoundUnderHelmsUnderscoreTagAndPulled() throws Exception {
    byte[] archive = "chart 1.2.3+build.7".getBytes(StandardCharsets.UTF_8);
    registry.push("1.2.2", "1.0.0", ARCHIVE_1);
    registry.push("1.2.3+build.7", "1.1.0", archive);
    assertThat(registry.tags).contains("1.2.3_build.7").doesNotContain("1.2.3+build.7");

    ResolvedChart chart = client().resolve(spec("~1.2"), Duration.ofMinutes(10), credentials(PASSWORD));

    assertThat(chart.version()).isEqualTo("1.2.3+build.7");
    assertThat(chart.appVersion()).isEqualTo("1.1.0");
    assertThat(Files.readAllBytes(chart.archive())).isEqualTo(archive);
    assertThat(registry.requests).contains("GET /v2/charts/hello/manifests/1.2.3_build.7");
  }

  @Test
  void aVersionMissingFromTheCachedTagListRefreshesItEarlyAtMostEvery10Seconds() throws Exception {
    OciRegistryClient client = client();
    client.resolve(spec("0.1.0"), Duration.ofMinutes(10), credentials(PASSWORD));
    registry.push("0.2.0", "1.1.0", ARCHIVE_2);

    now = now.plusSeconds(5);
    assertThatThrownBy(() -> client.resolve(spec("0.2.0"), Duration.ofMinutes(10), credentials(PASSWORD)))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.reason()).isEqualTo("ChartVersionNotFound"));
    assertThat(tagListings()).as("no refetch within 10 s of the last listing").isEqualTo(1);

    now = now.plusSeconds(6);
    assertThat(client.resolve(spec("0.2.0"), Duration.ofMinutes(10), credentials(PASSWORD)).version())
        .isEqualTo("0.2.0");
    assertThat(tagListings()).as("one early refresh, well within the 10 minute interval").isEqualTo(2);
  }

  /** Each listing is two requests: the first is answered with the token challenge. */
  long tagListings() {
    return registry.requests.stream().filter(r -> r.endsWith("tags/list")).count() / 2;
  }

  @Test
  void aChartThatDoesNotMatchItsDigestIsNotUsed() {
    String digest = registry.push("0.3.0", "1.2.0", ARCHIVE_2);
    registry.blobs.put(digest, "tampered".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> client().resolve(spec("0.3.0"), Duration.ofMinutes(10), credentials(PASSWORD)))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("ChartDigestMismatch"))
        .hasMessageContaining(digest);
    assertThat(dir.resolve("cache")).isEmptyDirectory();
  }

  @Test
  void wrongOrMissingCredentialsNameTheSecretRefWithoutThePassword() {
    assertThatThrownBy(() -> client().resolve(spec(""), Duration.ofMinutes(10), credentials("wrong-" + PASSWORD)))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("RepositoryAuthFailed"))
        .hasMessageContaining("spec.chart.secretRef").hasMessageContaining("Secret apps/registry")
        .hasMessageNotContaining(PASSWORD);
    assertThatThrownBy(() -> client().resolve(spec(""), Duration.ofMinutes(10), RepositoryCredentials.NONE))
        .hasMessageContaining("requires credentials").hasMessageContaining("spec.chart.secretRef");
  }

  @Test
  void aVersionNoTagMatchesStallsNamingTheConstraint() {
    assertThatThrownBy(() -> client().resolve(spec("~3.1"), Duration.ofMinutes(10), credentials(PASSWORD)))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL))
        .hasMessageContaining("spec.chart.version \"~3.1\"").hasMessageContaining("0.1.0");
  }

  @Test
  void plainHttpOnlyForThisMachine() throws Exception {
    var local = OciReference.parse("oci://localhost:5000/charts", "hello");
    var remote = OciReference.parse("oci://registry.example.com/charts/", "hello");
    assertThat(local.base(RepositoryCredentials.NONE)).hasScheme("http");
    assertThat(remote.base(RepositoryCredentials.NONE)).hasScheme("https");
    assertThat(remote.repository()).isEqualTo("charts/hello");
    assertThatThrownBy(() -> OciReference.parse("oci://registry.example.com/Charts:1.0", "hello"))
        .hasMessageContaining("spec.chart.repository");
  }
}
