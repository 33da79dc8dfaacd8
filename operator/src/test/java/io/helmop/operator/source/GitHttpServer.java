package io.helmop.operator.source;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * Git's smart HTTP protocol on 127.0.0.1: `git http-backend` run as a CGI program for each request, behind basic
 * auth, as a Git host serves private repositories.
 */
final class GitHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final Path projectRoot;
  private final String requiredAuthorization;

  GitHttpServer(Path projectRoot, String username, String password) throws IOException {
    this(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), projectRoot, username,
        password);
  }

  /** On a server of the test's making, e.g. HTTPS that asks for a client certificate. */
  GitHttpServer(HttpServer server, Path projectRoot, String username, String password) {
    this.projectRoot = projectRoot;
    this.requiredAuthorization = "Basic " + Base64.getEncoder()
        .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.server = server;
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String repository) {
    return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort()
        + "/" + repository;
  }

  private void handle(HttpExchange exchange) throws IOException {
    if (!requiredAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
      exchange.sendResponseHeaders(401, -1);
      exchange.close();
      return;
    }
    ProcessBuilder cgi = new ProcessBuilder("git", "http-backend");
    Map<String, String> env = cgi.environment();
    env.put("GIT_PROJECT_ROOT", projectRoot.toString());
    env.put("GIT_HTTP_EXPORT_ALL", "1");
    env.put("REMOTE_USER", "reader");
    env.put("REQUEST_METHOD", exchange.getRequestMethod());
    env.put("PATH_INFO", exchange.getRequestURI().getPath());
    String query = exchange.getRequestURI().getRawQuery();
    env.put("QUERY_STRING", query == null ? "" : query);
    copyHeader(exchange, "Content-Type", env, "CONTENT_TYPE");
    copyHeader(exchange, "Content-Encoding", env, "HTTP_CONTENT_ENCODING");
    copyHeader(exchange, "Git-Protocol", env, "GIT_PROTOCOL");
    Process process = cgi.redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream stdin = process.getOutputStream(); InputStream body = exchange.getRequestBody()) {
      body.transferTo(stdin);
    }
    byte[] output = process.getInputStream().readAllBytes();
    int split = indexOf(output, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    int status = 200;
    for (String header : new String(output, 0, split, StandardCharsets.UTF_8).split("\r\n")) {
      String[] nameValue = header.split(":\\s*", 2);
      if (nameValue[0].equalsIgnoreCase("Status")) {
        status = Integer.parseInt(nameValue[1].substring(0, 3));
      } else {
        exchange.getResponseHeaders().add(nameValue[0], nameValue[1]);
      }
    }
    int bodyLength = output.length - split - 4;
    exchange.sendResponseHeaders(status, bodyLength == 0 ? -1 : bodyLength);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(output, split + 4, bodyLength);
    }
  }

  private static void copyHeader(HttpExchange exchange, String header, Map<String, String> env, String variable) {
    String value = exchange.getRequestHeaders().getFirst(header);
    if (value != null) {
      env.put(variable, value);
    }
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    for (int i = 0; i + pattern.length <= data.length; i++) {
      if (java.util.Arrays.equals(data, i, i + pattern.length, pattern, 0, pattern.length)) {
        return i;
      }
    }
    throw new IllegalStateException("git http-backend wrote no CGI header: "
        + new String(data, StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
