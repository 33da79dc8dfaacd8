package io.helmop.operator.lifecycle;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.helmop.operator.config.ListenAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP endpoints, on the JDK's own server (com.sun.net.httpserver: no dependency, and enough for
 * probes and a scrape every few seconds): /healthz and /readyz on the health address, /metrics on the metrics
 * address (one server when both are the same). An address that cannot be bound (a port already taken) is logged
 * as an error naming the flag, and the operator goes on reconciling without that endpoint.
 */
public final class ManagementServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

  /** What a probe answers: 200 with the message when ok, else 503. */
  public record Check(boolean ok, String message) {}

  private record Endpoints(ListenAddress address, Map<String, HttpHandler> handlers, String flag) {}

  private final List<HttpServer> servers;
  private final ExecutorService executor;
  private final Map<String, InetSocketAddress> bound;

  private ManagementServer(List<HttpServer> servers, ExecutorService executor, Map<String, InetSocketAddress> bound) {
    this.servers = servers;
    this.executor = executor;
    this.bound = bound;
  }

  /**
   * @param live /healthz: the process works
   * @param ready /readyz: the operator can do its job (or take over from the leader)
   * @param metrics /metrics: the Prometheus text
   */
  public static ManagementServer start(ListenAddress healthAddress, ListenAddress metricsAddress,
      Supplier<Check> live, Supplier<Check> ready, Supplier<String> metrics) {
    // one server when both name the same port; port 0 means a free port each
    boolean shared = healthAddress.equals(metricsAddress) && healthAddress.port() != 0;
    List<Endpoints> groups = new ArrayList<>();
    if (!healthAddress.isOff()) {
      Endpoints health = new Endpoints(healthAddress, new LinkedHashMap<>(),
          shared ? "--health-address and --metrics-address" : "--health-address (HELMOP_HEALTH_ADDRESS)");
      health.handlers().put("/healthz", probe(live));
      health.handlers().put("/readyz", probe(ready));
      groups.add(health);
    }
    if (!metricsAddress.isOff()) {
      if (shared) {
        groups.get(0).handlers().put("/metrics", text(metrics));
      } else {
        groups.add(new Endpoints(metricsAddress, new LinkedHashMap<>(Map.of("/metrics", text(metrics))),
            "--metrics-address (HELMOP_METRICS_ADDRESS)"));
      }
    }
    ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
      Thread thread = new Thread(runnable, "helmop-http");
      thread.setDaemon(true);
      return thread;
    });
    List<HttpServer> servers = new ArrayList<>();
    Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
    for (Endpoints group : groups) {
      String paths = String.join(", ", group.handlers().keySet());
      try {
        HttpServer server = HttpServer.create(group.address().socketAddress(), 16);
        group.handlers().forEach(server::createContext);
        server.setExecutor(executor);
        server.start();
        servers.add(server);
        group.handlers().keySet().forEach(path -> bound.put(path, server.getAddress()));
        LOG.info("Serving {} on {}", paths, printable(server.getAddress()));
      } catch (BindException e) {
        LOG.error("Cannot serve {} on {}: {}. Another process uses that port: choose a free one with {}, or "
            + "\"off\". helmop goes on reconciling without these endpoints.", paths, group.address(), e.getMessage(),
            group.flag());
      } catch (IOException | RuntimeException e) {
        LOG.error("Cannot serve {} on {}: {}. Check {}. helmop goes on reconciling without these endpoints.", paths,
            group.address(), e.getMessage(), group.flag());
      }
    }
    return new ManagementServer(servers, executor, bound);
  }

  /** Where a path is served (port 0 resolved), if it is. */
  public Optional<InetSocketAddress> address(String path) {
    return Optional.ofNullable(bound.get(path));
  }

  @Override
  public void close() {
    servers.forEach(server -> server.stop(0));
    executor.shutdownNow();
  }

  private static String printable(InetSocketAddress address) {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }

  private static HttpHandler probe(Supplier<Check> check) {
    return exchange -> {
      Check result;
      try {
        result = check.get();
      } catch (RuntimeException e) {
        result = new Check(false, "the check failed: " + e);
      }
      respond(exchange, result.ok() ? 200 : 503, "text/plain; charset=utf-8", result.message() + "\n");
    };
  }

  private static HttpHandler text(Supplier<String> body) {
    return exchange -> {
      String text;
      try {
        text = body.get();
      } catch (RuntimeException e) {
        LOG.warn("Could not produce /metrics: {}", e.toString());
        respond(exchange, 500, "text/plain; charset=utf-8", "could not produce the metrics: " + e + "\n");
        return;
      }
      respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", text);
    };
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
