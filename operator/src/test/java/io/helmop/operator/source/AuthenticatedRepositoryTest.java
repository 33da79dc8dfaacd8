package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import java.io.FileInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real HTTPS chart repository on 127.0.0.1 with a self-signed certificate and basic auth. */
class AuthenticatedRepositoryTest {
  static final String PASSWORD = "pa55-never-logged";
  static final byte[] ARCHIVE = "chart bytes".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  HttpsServer server;
  String caPem;

  @BeforeEach
  void serve() throws Exception {
    Path keystore = dir.resolve("repo.p12");
    run("keytool", "-genkeypair", "-alias", "repo", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
        "-ext", "SAN=IP:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-keypass", "changeit");
    caPem = run("keytool", "-exportcert", "-rfc", "-alias", "repo", "-keystore", keystore.toString(),
        "-storepass", "changeit");

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = new FileInputStream(keystore.toFile())) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), null, null);

    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    String expected = "Basic " + Base64.getEncoder()
        .encodeToString(("reader:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    server.createContext("/", exchange -> {
      if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.sendResponseHeaders(401, -1);
        exchange.close();
        return;
      }
      byte[] body = exchange.getRequestURI().getPath().endsWith("index.yaml")
          ? ("apiVersion: v1\nentries:\n  hello:\n  - {name: hello, version: 1.0.0, urls: [hello-1.0.0.tgz]}\n")
              .getBytes(StandardCharsets.UTF_8)
          : ARCHIVE;
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  ChartSpec spec() {
    ChartSpec spec = new ChartSpec();
    spec.setRepository("https://127.0.0.1:" + server.getAddress().getPort());
    spec.setName("hello");
    spec.setVersion("1.0.0");
    return spec;
  }

  HelmRepositoryClient client() {
    return new HelmRepositoryClient(new ChartCache(dir.resolve("cache"), 1 << 30), Clock.systemUTC());
  }

  @Test
  void basicAuthOverTlsSignedByThePrivateCa() throws Exception {
    var credentials = new RepositoryCredentials("apps/repo", "reader", PASSWORD, caPem, null, null);
    ResolvedChart chart = client().resolve(spec(), Duration.ofMinutes(10), credentials);
    assertThat(chart.version()).isEqualTo("1.0.0");
    assertThat(credentials.toString()).doesNotContain(PASSWORD);
  }

  @Test
  void wrongOrMissingCredentialsSayWhatToFixWithoutThePassword() {
    var wrong = new RepositoryCredentials("apps/repo", "reader", "wrong-" + PASSWORD, caPem, null, null);
    assertThatThrownBy(() -> client().resolve(spec(), Duration.ofMinutes(10), wrong))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("RepositoryAuthFailed"))
        .hasMessageContaining("Secret apps/repo").hasMessageContaining("HTTP 401")
        .hasMessageNotContaining(PASSWORD);

    var none = new RepositoryCredentials(null, null, null, caPem, null, null);
    assertThatThrownBy(() -> client().resolve(spec(), Duration.ofMinutes(10), none))
        .hasMessageContaining("spec.chart.secretRef");
  }

  @Test
  void aCertificateFromAnUnknownCaIsRefused() {
    assertThatThrownBy(() -> client().resolve(spec(), Duration.ofMinutes(10), RepositoryCredentials.NONE))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.reason()).isEqualTo("RepositoryUnavailable"));
  }

  static String run(String... command) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of(command));
    argv.set(0, Path.of(System.getProperty("java.home"), "bin", command[0]).toString());
    Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    return output;
  }
}
