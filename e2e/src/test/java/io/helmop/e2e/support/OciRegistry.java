package io.helmop.e2e.support;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * A real OCI registry on 127.0.0.1: the CNCF distribution registry that e2e/cluster.sh builds into its bin dir,
 * with filesystem storage in a temporary folder, anonymous or behind an htpasswd password. Charts are pushed with
 * the helm CLI, as a team's CI would.
 */
public final class OciRegistry implements AutoCloseable {
  private final LocalCluster cluster;
  private final Path dir;
  private final int port;
  private final String username;
  private final String password;
  private final Process process;

  private OciRegistry(LocalCluster cluster, String username, String password) {
    Path binary = cluster.binary("registry");
    this.cluster = cluster;
    this.username = username;
    this.password = password;
    try {
      dir = Files.createTempDirectory("helmop-oci-");
      try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      String auth = "";
      if (username != null) {
        String hash = BCrypt.withDefaults().hashToString(5, password.toCharArray());
        Files.writeString(dir.resolve("htpasswd"), username + ":" + hash + "\n");
        auth = "auth:\n  htpasswd: {realm: helmop-test, path: " + dir.resolve("htpasswd") + "}\n";
      }
      Files.writeString(dir.resolve("config.yml"), """
          version: 0.1
          log: {level: warn}
          storage:
            filesystem: {rootdirectory: %s}
          http:
            addr: 127.0.0.1:%d
          """.formatted(dir.resolve("data"), port) + auth);
      ProcessBuilder builder = new ProcessBuilder(binary.toString(), "serve", dir.resolve("config.yml").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
      // no OpenTelemetry export: by default the registry would send its traces to an OTLP collector
      builder.environment().put("OTEL_TRACES_EXPORTER", "none");
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    awaitListening();
  }

  public static OciRegistry anonymous(LocalCluster cluster) {
    return new OciRegistry(cluster, null, null);
  }

  public static OciRegistry withPassword(LocalCluster cluster, String username, String password) {
    return new OciRegistry(cluster, username, password);
  }

  /** Where charts are pushed: use as spec.chart.repository. */
  public String url() {
    return "oci://127.0.0.1:" + port + "/charts";
  }

  /** Packages the chart folder under a version and app version and pushes it with `helm push`. */
  public OciRegistry push(Path chartDir, String version, String appVersion) {
    try {
      Path packages = Files.createDirectories(dir.resolve("packages"));
      cluster.helm("package", chartDir.toString(), "--version", version, "--app-version", appVersion,
          "--destination", packages.toString()).orFail();
      Path archive = packages.resolve(chartDir.getFileName() + "-" + version + ".tgz");
      List<String> push = new ArrayList<>(List.of("push", archive.toString(), url(), "--plain-http"));
      if (username != null) {
        push.addAll(List.of("--username", username, "--password", password));
      }
      cluster.helm(push.toArray(String[]::new)).orFail();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The registry answers /v2/ (200, or 401 when it wants a password) once it listens. */
  private void awaitListening() {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build();
    Awaitility.await("registry on port " + port).atMost(Duration.ofSeconds(30))
        .ignoreExceptions().until(() -> {
          if (!process.isAlive()) {
            throw new AssertionError("registry exited: " + Files.readString(dir.resolve("registry.log"),
                StandardCharsets.UTF_8));
          }
          return http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() < 500;
        });
  }

  @Override
  public void close() {
    process.destroy();
  }
}
