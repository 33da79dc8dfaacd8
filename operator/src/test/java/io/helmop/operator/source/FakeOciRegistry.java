package io.helmop.operator.source;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The read side of an OCI registry holding charts/hello as `helm push` lays it out, for client tests that
 * need what a real registry cannot easily show: a Bearer token service, blob redirects, a corrupted blob.
 * (OciSourceIT runs against a real CNCF distribution registry.)
 */
final class FakeOciRegistry implements HttpHandler {
  static final String TOKEN = "token-for-charts-hello";

  final List<String> tags = new CopyOnWriteArrayList<>();
  final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  /** Every request as "METHOD path", in order. */
  final List<String> requests = new CopyOnWriteArrayList<>();
  /** When set, /v2/ wants a Bearer token from this realm. */
  volatile String tokenRealm;
  /** When set, blobs are redirected to this base URL (another host, like object storage). */
  volatile String blobStorage;

  /** Pushes a chart version; returns the layer's digest. */
  String push(String version, String appVersion, byte[] archive) {
    String config = "{\"name\":\"hello\",\"version\":\"" + version + "\",\"appVersion\":\"" + appVersion + "\"}";
    String configDigest = put(config.getBytes(StandardCharsets.UTF_8));
    String layerDigest = put(archive);
    String manifest = """
        {"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"%s"},
         "layers":[{"mediaType":"%s","digest":"%s","size":%d}]}"""
        .formatted(configDigest, OciRegistryClient.CHART_LAYER, layerDigest, archive.length);
    String tag = version.replace('+', '_');
    manifests.put(tag, manifest.getBytes(StandardCharsets.UTF_8));
    tags.add(tag);
    return layerDigest;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.add(exchange.getRequestMethod() + " " + path);
    String prefix = "/v2/charts/hello/";
    if (tokenRealm != null && !("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + tokenRealm
          + "\",service=\"fake\",scope=\"repository:charts/hello:pull\"");
      respond(exchange, 401, new byte[0]);
    } else if (path.equals(prefix + "tags/list")) {
      respond(exchange, 200, ("{\"name\":\"charts/hello\",\"tags\":[\"" + String.join("\",\"", new ArrayList<>(tags))
          + "\"]}").getBytes(StandardCharsets.UTF_8));
    } else if (path.startsWith(prefix + "manifests/") && manifests.containsKey(last(path))) {
      respond(exchange, 200, manifests.get(last(path)));
    } else if (path.startsWith(prefix + "blobs/") && blobs.containsKey(last(path))) {
      if (blobStorage != null && last(path).equals(layerOf(path))) {
        exchange.getResponseHeaders().add("Location", blobStorage + "/" + last(path));
        respond(exchange, 307, new byte[0]);
      } else {
        respond(exchange, 200, blobs.get(last(path)));
      }
    } else {
      respond(exchange, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Only chart layers are redirected; config blobs are served directly, as small blobs often are. */
  private String layerOf(String path) {
    String digest = last(path);
    return manifests.values().stream().map(m -> new String(m, StandardCharsets.UTF_8))
        .anyMatch(m -> m.contains("\"digest\":\"" + digest + "\",\"size\"")) ? digest : "";
  }

  private String put(byte[] bytes) {
    String digest = "sha256:" + sha256(bytes);
    blobs.put(digest, bytes);
    return digest;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
    exchange.close();
  }
}
