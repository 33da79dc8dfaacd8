package io.helmop.operator.source;

import static io.helmop.operator.source.AuthenticatedRepositoryTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real HTTPS server on 127.0.0.1 that refuses clients without a certificate it trusts (mutual TLS), serving a
 * Helm repository and an OCI registry. Certificates are made by keytool.
 */
class ClientCertificateTest {
  static final byte[] ARCHIVE = "chart bytes".getBytes(StandardCharsets.UTF_8);

  @TempDir static Path certificates;
  static KeyStore serverKeys;
  static KeyStore clientKeys;
  static String serverCaPem;
  static String clientCertPem;
  static String clientKeyPem;
  @TempDir Path dir;
  HttpsServer server;
  HttpsConfigurator mutualTls;

  /** Once for the class: keytool takes seconds per RSA key pair. */
  @BeforeAll
  static void makeCertificates() throws Exception {
    serverKeys = keyPair("server", "CN=127.0.0.1", "SAN=IP:127.0.0.1");
    clientKeys = keyPair("client", "CN=helmop", null);
    serverCaPem = run("keytool", "-exportcert", "-rfc", "-alias", "server", "-keystore",
        certificates.resolve("server.p12").toString(), "-storepass", "changeit");
    clientCertPem = run("keytool", "-exportcert", "-rfc", "-alias", "client", "-keystore",
        certificates.resolve("client.p12").toString(), "-storepass", "changeit");
    clientKeyPem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(
        clientKeys.getKey("client", "changeit".toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n";
  }

  @BeforeEach
  void serve() throws Exception {

    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(serverKeys, "changeit".toCharArray());
    KeyStore trustedClients = KeyStore.getInstance("PKCS12");
    trustedClients.load(null, null);
    trustedClients.setCertificateEntry("client", clientKeys.getCertificate("client"));
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trustedClients);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), trust.getTrustManagers(), null);

    mutualTls = new HttpsConfigurator(tls) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
        parameters.setNeedClientAuth(true);
        params.setSSLParameters(parameters);
      }
    };
    server = httpsServer();
    FakeOciRegistry registry = new FakeOciRegistry();
    registry.push("1.0.0", "1.0.0", ARCHIVE);
    server.createContext("/v2/", registry);
    server.createContext("/repo/", exchange -> FakeOciRegistry.respond(exchange, 200,
        exchange.getRequestURI().getPath().endsWith("index.yaml")
            ? "apiVersion: v1\nentries:\n  hello:\n  - {name: hello, version: 1.0.0, urls: [hello-1.0.0.tgz]}\n"
                .getBytes(StandardCharsets.UTF_8)
            : ARCHIVE));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aHelmRepositoryThatRequiresAClientCertificateGetsTheSecretsCertFileAndKeyFile() throws Exception {
    var credentials = new RepositoryCredentials("apps/mtls", null, null, serverCaPem, clientCertPem, clientKeyPem);
    ResolvedChart chart = helmRepositoryClient().resolve(spec("https://127.0.0.1:" + port() + "/repo"),
        Duration.ofMinutes(10), credentials);
    assertThat(Files.readAllBytes(chart.archive())).isEqualTo(ARCHIVE);
  }

  @Test
  void anOciRegistryOnThisMachineIsSpokenToOverTlsWhenTheSecretHasTlsMaterialEvenAPkcs1Key() throws Exception {
    // cert-manager writes RSA keys in PKCS#1 ("BEGIN RSA PRIVATE KEY") by default
    Files.writeString(dir.resolve("client.key"), clientKeyPem);
    String pkcs1 = new String(new ProcessBuilder("openssl", "pkey", "-in", dir.resolve("client.key").toString(),
        "-traditional").start().getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    var credentials = new RepositoryCredentials("apps/mtls", null, null, serverCaPem, clientCertPem, pkcs1);

    ResolvedChart chart = new OciRegistryClient(new ChartCache(dir.resolve("cache"), 1 << 30), Clock.systemUTC())
        .resolve(spec("oci://127.0.0.1:" + port() + "/charts"), Duration.ofMinutes(10), credentials);
    assertThat(Files.readAllBytes(chart.archive())).isEqualTo(ARCHIVE);
  }

  @Test
  void withoutTheClientCertificateTheServerRefusesTheConnection() {
    var caOnly = new RepositoryCredentials("apps/mtls", null, null, serverCaPem, null, null);
    assertThatThrownBy(() -> helmRepositoryClient().resolve(spec("https://127.0.0.1:" + port() + "/repo"),
        Duration.ofMinutes(10), caOnly))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.reason()).isEqualTo("RepositoryUnavailable"));
  }

  @Test
  void aKeyHelmopCannotReadIsNamedWithoutItsContent() {
    String encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n"
        + "-----END ENCRYPTED PRIVATE KEY-----\n";
    var credentials = new RepositoryCredentials("apps/mtls", null, null, serverCaPem, clientCertPem, encrypted);
    assertThatThrownBy(() -> helmRepositoryClient().resolve(spec("https://127.0.0.1:" + port() + "/repo"),
        Duration.ofMinutes(10), credentials))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL))
        .hasMessageContaining("spec.chart.secretRef").hasMessageContaining("keyFile")
        .hasMessageContaining("ENCRYPTED PRIVATE KEY")
        .hasMessageNotContaining("c2VjcmV0LWtleS1ieXRlcw");
  }

  @Test
  void aGitRepositoryOverHttpsTrustsTheSecretsCaAndGetsItsClientCertificate() throws Exception {
    HttpsServer https = httpsServer();
    try (var git = new GitHttpServer(https, GitCredentialsTest.chartRepository(dir), "reader", "token")) {
      var credentials = new RepositoryCredentials("apps/git-tls", "reader", "token", serverCaPem, clientCertPem,
          clientKeyPem);
      ResolvedChart chart = GitCredentialsTest.git(dir, Clock.systemUTC())
          .resolve(GitCredentialsTest.source(git.url("charts.git")), Duration.ofMinutes(10), credentials);
      assertThat(chart.nameAndVersion()).isEqualTo("hello-0.3.0");

      // the JVM does not trust the private CA: the Secret's caFile is what made the resolve work
      var withoutTls = new RepositoryCredentials("apps/git", "reader", "token", null, null, null);
      assertThatThrownBy(() -> GitCredentialsTest.git(dir, Clock.systemUTC())
          .resolve(GitCredentialsTest.source(git.url("charts.git")), Duration.ofMinutes(10), withoutTls))
          .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("GitUnavailable"))
          .hasMessageNotContaining("token");
    }
  }

  /** An HTTPS server on 127.0.0.1 with the server certificate, asking for the client certificate. */
  private HttpsServer httpsServer() throws java.io.IOException {
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(mutualTls);
    return https;
  }

  private static KeyStore keyPair(String alias, String dname, String extension) throws Exception {
    Path keystore = certificates.resolve(alias + ".p12");
    var command = new java.util.ArrayList<>(java.util.List.of("keytool", "-genkeypair", "-alias", alias,
        "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-validity", "2", "-keystore", keystore.toString(),
        "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit"));
    if (extension != null) {
      command.addAll(java.util.List.of("-ext", extension));
    }
    run(command.toArray(String[]::new));
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (var in = new FileInputStream(keystore.toFile())) {
      store.load(in, "changeit".toCharArray());
    }
    return store;
  }

  private int port() {
    return server.getAddress().getPort();
  }

  private HelmRepositoryClient helmRepositoryClient() {
    return new HelmRepositoryClient(new ChartCache(dir.resolve("cache"), 1 << 30), Clock.systemUTC());
  }

  private static ChartSpec spec(String repository) {
    ChartSpec spec = new ChartSpec();
    spec.setRepository(repository);
    spec.setName("hello");
    spec.setVersion("1.0.0");
    return spec;
  }
}
