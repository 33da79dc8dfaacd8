package io.helmop.operator.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves and downloads charts from HTTP(S) Helm repositories (a folder with index.yaml).
 *
 * <p>Each repository's index is fetched at most once per refresh interval, however many releases use it; a
 * version missing from a cached index triggers one early refresh (at most every {@link #MISS_REFRESH}), so a
 * chart published a moment ago is found without waiting for the interval. When the repository is down, a
 * cached index and cached archives keep serving. Indexes are cached per Secret, so a release without the
 * repository's credentials (or with wrong ones) never gets a private chart from the cache.
 */
public class HelmRepositoryClient {
  private static final Logger LOG = LoggerFactory.getLogger(HelmRepositoryClient.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Duration MISS_REFRESH = Duration.ofSeconds(10);
  private static final int MAX_REDIRECTS = 5;

  private final HttpClients clients;
  private final SourceLimits limits;
  private final ChartCache cache;
  private final Clock clock;
  private final Map<String, CachedIndex> indexes = new ConcurrentHashMap<>();
  /** Index downloads under way, by cache key: releases of different charts in one repository share one. */
  private final Map<String, java.util.concurrent.CompletableFuture<CachedIndex>> indexFetches =
      new ConcurrentHashMap<>();
  /** Archives by URL, for indexes that carry no digest: chart versions are immutable once published. */
  private final Map<URI, ChartCache.Stored> downloaded = new ConcurrentHashMap<>();

  public HelmRepositoryClient(ChartCache cache, Clock clock) {
    this(cache, clock, SourceLimits.DEFAULTS);
  }

  public HelmRepositoryClient(ChartCache cache, Clock clock, SourceLimits limits) {
    this.cache = cache;
    this.clock = clock;
    this.limits = limits;
    this.clients = new HttpClients(limits);
  }

  public ResolvedChart resolve(ChartSpec spec, Duration refreshInterval, RepositoryCredentials credentials)
      throws ReconcileFailure {
    SourceUrls.checkRepository(spec.getRepository());
    String repository = stripSlash(spec.getRepository());
    if (!repository.startsWith("http://") && !repository.startsWith("https://")) {
      throw ReconcileFailure.stalled(Reasons.UNSUPPORTED_SOURCE, "spec.chart.repository \"" + repository + "\": use an "
          + "http(s):// URL (a Helm repository) or an oci:// URL (an OCI registry).");
    }
    VersionConstraint constraint = VersionConstraint.ofSpec(spec);
    Fetch fetch = new Fetch(repository, credentials, clients.forTls(credentials, HttpClient.Redirect.NEVER));
    CachedIndex index = index(fetch, refreshInterval, false);
    ChartVersion picked = index.pick(spec.getName(), constraint);
    if (picked == null && index.age(clock).compareTo(MISS_REFRESH) > 0) {
      index = index(fetch, refreshInterval, true);
      picked = index.pick(spec.getName(), constraint);
    }
    if (picked == null) {
      throw notFound(spec, repository, constraint, index);
    }
    return download(fetch, picked);
  }

  private static ReconcileFailure notFound(ChartSpec spec, String repository, VersionConstraint constraint,
      CachedIndex index) {
    List<String> versions = index.versions(spec.getName());
    if (versions.isEmpty()) {
      return ReconcileFailure.stalled(Reasons.CHART_NOT_FOUND, "Chart \"" + spec.getName()
          + "\" (spec.chart.name) is not in the repository " + repository + ": check the name, or publish the chart "
          + "there.");
    }
    String available = String.join(", ", versions.subList(0, Math.min(10, versions.size())));
    return ReconcileFailure.stalled(Reasons.CHART_VERSION_NOT_FOUND, "No version of chart \"" + spec.getName()
        + "\" in " + repository + " matches spec.chart.version \"" + constraint + "\"; available: " + available
        + ". Change spec.chart.version or publish that version.");
  }

  private CachedIndex index(Fetch fetch, Duration refreshInterval, boolean force) throws ReconcileFailure {
    CachedIndex cached = indexes.get(fetch.cacheKey());
    if (cached != null && !force && cached.age(clock).compareTo(refreshInterval) < 0) {
      return cached;
    }
    var mine = new java.util.concurrent.CompletableFuture<CachedIndex>();
    var running = indexFetches.putIfAbsent(fetch.cacheKey(), mine);
    if (running != null) {
      return joined(running, fetch.repository());
    }
    try {
      CachedIndex index = fetchIndex(fetch, cached);
      mine.complete(index);
      return index;
    } catch (ReconcileFailure | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      indexFetches.remove(fetch.cacheKey(), mine);
    }
  }

  /** The outcome of the index download another release started. */
  private static CachedIndex joined(java.util.concurrent.CompletableFuture<CachedIndex> running, String repository)
      throws ReconcileFailure {
    try {
      return running.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof ReconcileFailure failure) {
        throw failure;
      }
      throw (RuntimeException) e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ReconcileFailure.retryable(Reasons.REPOSITORY_UNAVAILABLE, "Stopped waiting for the index of chart "
          + "repository " + repository + " (the operator is stopping).", e);
    }
  }

  private CachedIndex fetchIndex(Fetch fetch, CachedIndex cached) throws ReconcileFailure {
    String repository = fetch.repository();
    try (InputStream body = get(fetch, URI.create(repository + "/index.yaml"), limits.maxIndexBytes(),
        "--source-max-index-size")) {
      CachedIndex fresh = new CachedIndex(YAML.readTree(body), clock.instant());
      indexes.put(fetch.cacheKey(), fresh);
      return fresh;
    } catch (AccessDenied e) {
      throw accessDenied(fetch, e);
    } catch (IOException | RuntimeException e) {
      SourceLimitExceeded limit = SourceLimitExceeded.in(e);
      if (limit != null && (cached == null || limit.tooLarge())) {
        throw limit.failure("the index of chart repository " + repository + " (spec.chart.repository)");
      }
      if (cached != null) {
        LOG.warn("Chart repository {} is unreachable ({}); using its index from {}", repository, describe(e),
            cached.fetchedAt());
        return cached;
      }
      throw ReconcileFailure.retryable(Reasons.REPOSITORY_UNAVAILABLE, "Cannot read the index of chart repository "
          + repository + " (spec.chart.repository): " + describe(e) + ". helmop retries with backoff.", e);
    }
  }

  private ResolvedChart download(Fetch fetch, ChartVersion version) throws ReconcileFailure {
    String repository = fetch.repository();
    var cached = cache.find(version.digest());
    if (cached.isPresent()) {
      return version.resolved(cached.get(), version.digest());
    }
    URI url = URI.create(repository + "/").resolve(version.url());
    ChartCache.Stored known = downloaded.get(url);
    if (known != null && java.nio.file.Files.isRegularFile(known.path())) {
      return version.resolved(known.path(), known.digest());
    }
    try (InputStream body = get(fetch, url, limits.maxArchiveBytes(), "--source-max-archive-size")) {
      ChartCache.Stored stored = cache.store(body);
      if (version.digest() != null && !version.digest().isBlank() && !version.digest().equals(stored.digest())) {
        java.nio.file.Files.deleteIfExists(stored.path());
        throw ReconcileFailure.stalled(Reasons.CHART_DIGEST_MISMATCH, "Chart " + version.name() + "-"
            + version.version() + " from " + url + " has digest " + stored.digest() + " but the repository index says "
            + version.digest() + ": the repository is inconsistent; re-index it.");
      }
      downloaded.put(url, stored);
      return version.resolved(stored.path(), stored.digest());
    } catch (AccessDenied e) {
      throw accessDenied(fetch, e);
    } catch (IOException | RuntimeException e) {
      if (SourceLimitExceeded.in(e) != null) {
        throw SourceLimitExceeded.in(e).failure("chart " + version.name() + "-" + version.version() + " from "
            + SourceUrls.redact(url));
      }
      throw ReconcileFailure.retryable(Reasons.CHART_DOWNLOAD_FAILED, "Cannot download chart " + version.name() + "-"
          + version.version() + " from " + SourceUrls.redact(url) + ": " + describe(e) + ". helmop retries with backoff.", e);
    }
  }

  private static ReconcileFailure accessDenied(Fetch fetch, AccessDenied e) {
    String what = fetch.credentials().hasBasicAuth()
        ? "refused the " + fetch.credentials() + " named in spec.chart.secretRef (" + e.getMessage() + "): fix "
            + "the Secret's username and password"
        : "requires credentials (" + e.getMessage() + "): set spec.chart.secretRef to a Secret with username and "
            + "password";
    return ReconcileFailure.retryable(Reasons.REPOSITORY_AUTH_FAILED, "Chart repository " + fetch.repository() + " "
        + what + ". helmop retries with backoff.", e);
  }

  /**
   * The body of a 200 response. Redirects are followed here, not by the HTTP client, which would send the
   * Authorization header on to whatever host a redirect names (an index or archive moved to a CDN).
   */
  private InputStream get(Fetch fetch, URI uri, long maxBytes, String sizeFlag) throws IOException {
    URI current = uri;
    for (int redirects = 0; redirects <= MAX_REDIRECTS; redirects++) {
      HttpResponse<InputStream> response = send(fetch, current, maxBytes, sizeFlag);
      int status = response.statusCode();
      var location = response.headers().firstValue("Location");
      if (status >= 300 && status < 400 && location.isPresent()) {
        response.body().close();
        URI next = current.resolve(location.get());
        if ("https".equalsIgnoreCase(current.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
          throw new IOException("HTTP " + status + " for " + SourceUrls.redact(current) + " redirects from HTTPS to "
              + SourceUrls.redact(next));
        }
        current = next;
        continue;
      }
      if (status == 401 || status == 403) {
        response.body().close();
        throw new AccessDenied("HTTP " + status);
      }
      if (status != 200) {
        response.body().close();
        throw new IOException("HTTP " + status + " for " + SourceUrls.redact(current));
      }
      return response.body();
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + SourceUrls.redact(uri));
  }

  /** The body is read under {@link #limits}; the request's own timeout covers the wait for the headers. */
  private HttpResponse<InputStream> send(Fetch fetch, URI uri, long maxBytes, String sizeFlag) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(limits.readTimeout()).GET();
    RepositoryCredentials credentials = fetch.credentials();
    // like Helm without --pass-credentials: the password goes only to the repository's own host
    if (credentials.hasBasicAuth() && sameOrigin(uri, URI.create(fetch.repository()))) {
      String token = credentials.username() + ":" + credentials.password();
      request.header("Authorization", "Basic "
          + java.util.Base64.getEncoder().encodeToString(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    try {
      return fetch.http().send(request.build(), LimitedBody.handler(SourceUrls.redact(uri), limits, maxBytes, sizeFlag));
    } catch (java.net.http.HttpTimeoutException e) {
      throw SourceLimitExceeded.of(e, SourceUrls.redact(uri), limits);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + SourceUrls.redact(uri), e);
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
        && a.getPort() == b.getPort();
  }

  /** Never the body: a parser's message quotes it, and an internal service's answer is nobody's business. */
  static String describe(Exception e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException parse) {
      var location = parse.getLocation();
      return "the response is not valid YAML or JSON" + (location == null ? ""
          : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")");
    }
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** One repository as seen with one Secret's credentials. */
  private record Fetch(String repository, RepositoryCredentials credentials, HttpClient http) {
    /** Names the Secret, never its content. */
    String cacheKey() {
      return repository + " with " + credentials;
    }
  }

  /** 401 or 403: retrying with the same credentials cannot help, so it gets its own message. */
  private static final class AccessDenied extends IOException {
    AccessDenied(String message) {
      super(message);
    }
  }

  private record ChartVersion(String name, String version, String appVersion, String url, String digest) {
    ResolvedChart resolved(java.nio.file.Path archive, String actualDigest) {
      return new ResolvedChart(name, version, appVersion, archive, actualDigest);
    }
  }

  private record CachedIndex(JsonNode index, Instant fetchedAt) {
    Duration age(Clock clock) {
      return Duration.between(fetchedAt, clock.instant());
    }

    List<String> versions(String chart) {
      List<String> versions = new ArrayList<>();
      index.path("entries").path(chart).forEach(entry -> versions.add(entry.path("version").asText()));
      return versions;
    }

    ChartVersion pick(String chart, VersionConstraint constraint) {
      return constraint.highest(versions(chart)).map(version -> {
        for (JsonNode entry : index.path("entries").path(chart)) {
          if (version.equals(entry.path("version").asText())) {
            return new ChartVersion(chart, version, entry.path("appVersion").asText(""),
                entry.path("urls").path(0).asText(), entry.path("digest").asText(""));
          }
        }
        return null;
      }).orElse(null);
    }
  }
}
