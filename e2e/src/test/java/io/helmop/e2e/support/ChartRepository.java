package io.helmop.e2e.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real Helm chart repository on 127.0.0.1: charts packaged with the helm CLI, indexed with `helm repo index`,
 * served over HTTP, optionally behind basic auth. It can be stopped and started on the same port to play a
 * repository outage.
 */
public final class ChartRepository implements AutoCloseable {
  private static final java.util.Set<Integer> USED_PORTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final LocalCluster cluster;
  private final Path dir;
  private final int port;
  /** The Authorization header every request must carry, or null for an open repository. */
  private final String requiredAuthorization;
  private HttpServer server;

  public ChartRepository(LocalCluster cluster) {
    this(cluster, null);
  }

  /** A repository that answers 401 to requests without this username and password. */
  public static ChartRepository withPassword(LocalCluster cluster, String username, String password) {
    return new ChartRepository(cluster, "Basic " + java.util.Base64.getEncoder()
        .encodeToString((username + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private ChartRepository(LocalCluster cluster, String requiredAuthorization) {
    this.cluster = cluster;
    this.requiredAuthorization = requiredAuthorization;
    try {
      this.dir = Files.createTempDirectory("helmop-chart-repo-");
      this.server = newServerOnUnusedPort();
      this.port = server.getAddress().getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    serve();
  }

  /**
   * A server on a port no earlier repository of this JVM had: the shared operator caches indexes and charts by
   * URL, so a new repository on an old one's port would be served the old one's charts.
   */
  private static HttpServer newServerOnUnusedPort() throws IOException {
    while (true) {
      HttpServer candidate = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      if (USED_PORTS.add(candidate.getAddress().getPort())) {
        return candidate;
      }
      candidate.stop(0);
    }
  }

  /** Writes a chart folder {@code root/name} (version 1.0.0) holding the given files, for {@link #publish}. */
  public static Path writeChart(Path root, String name, Map<String, String> files) {
    try {
      Path chart = root.resolve(name);
      Files.createDirectories(chart.resolve("templates"));
      Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n");
      for (var file : files.entrySet()) {
        Files.createDirectories(chart.resolve(file.getKey()).getParent());
        Files.writeString(chart.resolve(file.getKey()), file.getValue());
      }
      return chart;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Packages the chart folder under a version and app version, and re-indexes the repository. */
  public ChartRepository publish(Path chartDir, String version, String appVersion) {
    cluster.helm("package", chartDir.toString(), "--version", version, "--app-version", appVersion,
        "--destination", dir.toString()).orFail();
    cluster.helm("repo", "index", dir.toString()).orFail();
    return this;
  }

  /** Takes a chart version out of the repository, as when a registry's retention policy deletes it. */
  public ChartRepository remove(String chart, String version) {
    try {
      Files.deleteIfExists(dir.resolve(chart + "-" + version + ".tgz"));
      Files.deleteIfExists(dir.resolve("index.yaml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    cluster.helm("repo", "index", dir.toString()).orFail();
    return this;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public void stop() {
    server.stop(0);
  }

  public void start() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    serve();
  }

  private void serve() {
    server.createContext("/", exchange -> {
      if (requiredAuthorization != null
          && !requiredAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"charts\"");
        exchange.sendResponseHeaders(401, -1);
        exchange.close();
        return;
      }
      Path file = dir.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
      if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
        exchange.sendResponseHeaders(404, -1);
        exchange.close();
        return;
      }
      byte[] body = Files.readAllBytes(file);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
