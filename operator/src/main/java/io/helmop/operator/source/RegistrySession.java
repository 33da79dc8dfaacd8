package io.helmop.operator.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GETs against one repository of an OCI registry, authenticated the way docker and Helm do it: anonymous
 * first, then what the registry's WWW-Authenticate challenge asks for, Basic with the Secret's username and
 * password, or a Bearer token from its token service (with those credentials, or anonymous for public
 * charts). One session serves one resolve, so no token outlives it.
 *
 * <p>Redirects (registries send blobs to object storage) are followed here rather than by the HTTP client, so
 * the Authorization header never leaves the registry's own host.
 */
final class RegistrySession {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final int MAX_REDIRECTS = 5;

  private final OciReference reference;
  private final RepositoryCredentials credentials;
  private final HttpClient http;
  private final SourceLimits limits;
  private final URI base;
  private String authorization;

  RegistrySession(OciReference reference, RepositoryCredentials credentials, HttpClient http, SourceLimits limits) {
    this.reference = reference;
    this.credentials = credentials;
    this.http = http;
    this.limits = limits;
    this.base = reference.base(credentials);
  }

  boolean hasCredentials() {
    return credentials.hasBasicAuth();
  }

  RepositoryCredentials credentials() {
    return credentials;
  }

  /** {@code /v2/REPOSITORY/...} on the registry. */
  URI uri(String pathInRepository) {
    return base.resolve("/v2/" + reference.repository() + "/" + pathInRepository);
  }

  /** Resolves a path the registry itself returned (a Link header). */
  URI resolve(String path) {
    return base.resolve(path);
  }

  /** A small document (tag list, manifest, chart metadata), bounded like an index. */
  Response get(URI uri, String accept) throws IOException {
    return get(uri, accept, limits.maxIndexBytes(), "--source-max-index-size");
  }

  /** The body of a 200 response, read under the limits; the caller closes it. */
  Response get(URI uri, String accept, long maxBytes, String sizeFlag) throws IOException {
    URI current = uri;
    for (int redirects = 0; redirects <= MAX_REDIRECTS; redirects++) {
      HttpResponse<InputStream> response = sendAuthenticated(current, accept, maxBytes, sizeFlag);
      int status = response.statusCode();
      Optional<String> location = response.headers().firstValue("Location");
      if (status >= 300 && status < 400 && location.isPresent()) {
        response.body().close();
        current = current.resolve(location.get());
        continue;
      }
      if (status == 200) {
        return new Response(response.body(), response.headers().allValues("Link"));
      }
      response.body().close();
      if (status == 401 || status == 403) {
        throw new AccessDenied("HTTP " + status);
      }
      if (status == 404) {
        throw new NotFound("HTTP 404 for " + current.getPath());
      }
      throw new IOException("HTTP " + status + " for " + SourceUrls.redact(current));
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + SourceUrls.redact(uri));
  }

  /** Authorization only on the registry's own host, where the first 401 gets its challenge answered. */
  private HttpResponse<InputStream> sendAuthenticated(URI uri, String accept, long maxBytes, String sizeFlag)
      throws IOException {
    if (!sameOrigin(uri, base)) {
      return send(uri, accept, null, maxBytes, sizeFlag);
    }
    HttpResponse<InputStream> response = send(uri, accept, authorization, maxBytes, sizeFlag);
    if (response.statusCode() == 401 && authorization == null) {
      response.body().close();
      authorization = authorize(response.headers().firstValue("WWW-Authenticate").orElse(""));
      response = send(uri, accept, authorization, maxBytes, sizeFlag);
    }
    return response;
  }

  private String authorize(String challenge) throws IOException {
    String scheme = challenge.split(" ", 2)[0];
    if (scheme.equalsIgnoreCase("Basic")) {
      if (!credentials.hasBasicAuth()) {
        throw new AccessDenied("HTTP 401, the registry asks for a username and password");
      }
      return basic();
    }
    if (scheme.equalsIgnoreCase("Bearer")) {
      return "Bearer " + token(parameters(challenge));
    }
    throw new AccessDenied("HTTP 401 with an authentication scheme helmop does not speak: " + scheme);
  }

  /** A token from the registry's token service (the Docker token protocol, pull scope). */
  private String token(Map<String, String> challenge) throws IOException {
    String realm = challenge.get("realm");
    if (realm == null) {
      throw new IOException("the registry's Bearer challenge names no token service (realm)");
    }
    URI service = URI.create(realm);
    if (!"https".equals(service.getScheme()) && !isLoopback(service)) {
      throw new IOException("the registry's token service " + SourceUrls.redact(realm) + " is not HTTPS; helmop does not send "
          + "credentials there");
    }
    StringBuilder query = new StringBuilder();
    if (challenge.containsKey("service")) {
      query.append("service=").append(URLEncoder.encode(challenge.get("service"), StandardCharsets.UTF_8));
    }
    String scope = challenge.getOrDefault("scope", "repository:" + reference.repository() + ":pull");
    query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
    HttpResponse<InputStream> response = send(tokenUri, "application/json",
        credentials.hasBasicAuth() ? basic() : null, limits.maxIndexBytes(), "--source-max-index-size");
    try (InputStream body = response.body()) {
      if (response.statusCode() == 401 || response.statusCode() == 403) {
        throw new AccessDenied("HTTP " + response.statusCode() + " from the token service");
      }
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode() + " from the token service " + SourceUrls.redact(realm));
      }
      JsonNode json = JSON.readTree(body);
      String token = json.path("token").asText(json.path("access_token").asText(""));
      if (token.isEmpty()) {
        throw new IOException("the token service " + SourceUrls.redact(realm) + " answered without a token");
      }
      return token;
    }
  }

  private HttpResponse<InputStream> send(URI uri, String accept, String auth, long maxBytes, String sizeFlag)
      throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(limits.readTimeout()).GET()
        .header("Accept", accept);
    if (auth != null) {
      request.header("Authorization", auth);
    }
    try {
      return http.send(request.build(), LimitedBody.handler(SourceUrls.redact(uri), limits, maxBytes, sizeFlag));
    } catch (java.net.http.HttpTimeoutException e) {
      throw SourceLimitExceeded.of(e, SourceUrls.redact(uri), limits);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + SourceUrls.redact(uri), e);
    }
  }

  private String basic() {
    return "Basic " + Base64.getEncoder().encodeToString((credentials.username() + ":" + credentials.password())
        .getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> parameters(String challenge) {
    Map<String, String> parameters = new HashMap<>();
    Matcher matcher = PARAMETER.matcher(challenge);
    while (matcher.find()) {
      parameters.put(matcher.group(1), matcher.group(2));
    }
    return parameters;
  }

  private static boolean isLoopback(URI uri) {
    return "127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost());
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
        && a.getPort() == b.getPort();
  }

  /** A 200 response's body, and its Link headers (the next page of a tag list). */
  record Response(InputStream body, List<String> links) {}

  /** 401 or 403 after authenticating: retrying with the same credentials cannot help. */
  static final class AccessDenied extends IOException {
    AccessDenied(String message) {
      super(message);
    }
  }

  /** 404: no such repository, tag or blob. */
  static final class NotFound extends IOException {
    NotFound(String message) {
      super(message);
    }
  }
}
