package io.helmop.operator.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.source.RegistrySession.AccessDenied;
import io.helmop.operator.source.RegistrySession.NotFound;
import io.helmop.operator.status.Reasons;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves and downloads Helm charts from OCI registries (`helm push` layout: one layer of Helm's chart media
 * type, the chart's metadata in the config blob), with the OCI distribution API: tags/list, manifest, blob.
 *
 * <p>A repository's tag list, and the manifests of the tags used, are fetched at most once per refresh interval
 * per repository and Secret, however many releases use them; a version missing from the cached list triggers
 * one early refresh (at most every {@link HelmRepositoryClient#MISS_REFRESH}). Archives are verified against
 * the layer digest and cached by it; when the registry is down, the cached list and archives keep serving.
 * The cache is per Secret so that a release without credentials never gets a private chart from the cache.
 */
public class OciRegistryClient {
  private static final Logger LOG = LoggerFactory.getLogger(OciRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private final HttpClients clients;
  private final SourceLimits limits;
  private final ChartCache cache;
  private final Clock clock;
  private final Map<String, TagList> tagLists = new ConcurrentHashMap<>();

  public OciRegistryClient(ChartCache cache, Clock clock) {
    this(cache, clock, SourceLimits.DEFAULTS);
  }

  public OciRegistryClient(ChartCache cache, Clock clock, SourceLimits limits) {
    this.cache = cache;
    this.clock = clock;
    this.limits = limits;
    this.clients = new HttpClients(limits);
  }

  public ResolvedChart resolve(ChartSpec spec, Duration refreshInterval, RepositoryCredentials credentials)
      throws ReconcileFailure {
    SourceUrls.checkRepository(spec.getRepository());
    OciReference reference = OciReference.parse(spec.getRepository(), spec.getName());
    VersionConstraint constraint = VersionConstraint.ofSpec(spec);
    var session = new RegistrySession(reference, credentials, clients.forTls(credentials, HttpClient.Redirect.NEVER),
        limits);
    String key = reference + " with " + credentials;
    TagList tags = tagList(session, reference, key, refreshInterval, false);
    Optional<String> version = constraint.highest(tags.versions());
    if (version.isEmpty() && tags.age(clock).compareTo(HelmRepositoryClient.MISS_REFRESH) > 0) {
      tags = tagList(session, reference, key, refreshInterval, true);
      version = constraint.highest(tags.versions());
    }
    if (version.isEmpty()) {
      throw ReconcileFailure.stalled(Reasons.CHART_VERSION_NOT_FOUND, "No tag of " + reference + " matches "
          + "spec.chart.version \"" + constraint + "\"; available: " + String.join(", ", tags.first(10))
          + ". Change spec.chart.version or push that version.");
    }
    String tag = tags.tagOf(version.get());
    ChartManifest manifest = tags.manifests().get(tag);
    if (manifest == null) {
      manifest = manifest(session, reference, tag);
      tags.manifests().put(tag, manifest);
    }
    Optional<Path> cached = cache.find(manifest.archiveSha256());
    Path archive = cached.isPresent() ? cached.get() : download(session, reference, manifest);
    return new ResolvedChart(manifest.name(), manifest.version(), manifest.appVersion(), archive,
        manifest.archiveSha256());
  }

  private TagList tagList(RegistrySession session, OciReference reference, String key, Duration refreshInterval,
      boolean force) throws ReconcileFailure {
    TagList cached = tagLists.get(key);
    if (cached != null && !force && cached.age(clock).compareTo(refreshInterval) < 0) {
      return cached;
    }
    try {
      TagList fresh = new TagList(fetchTags(session), clock.instant(), new ConcurrentHashMap<>());
      tagLists.put(key, fresh);
      return fresh;
    } catch (AccessDenied e) {
      throw accessDenied(reference, session, e);
    } catch (NotFound e) {
      throw ReconcileFailure.stalled(Reasons.CHART_NOT_FOUND, "Chart \"" + reference.chart() + "\" (spec.chart.name) "
          + "is not in the registry: " + reference + " does not exist. Check spec.chart.repository and "
          + "spec.chart.name, or push the chart.");
    } catch (IOException | RuntimeException e) {
      SourceLimitExceeded limit = SourceLimitExceeded.in(e);
      if (limit != null && (cached == null || limit.tooLarge())) {
        throw limit.failure("the tags of " + reference + " (spec.chart.repository)");
      }
      if (cached != null) {
        LOG.warn("OCI registry {} is unreachable ({}); using its tag list from {}", reference, describe(e),
            cached.fetchedAt());
        return cached;
      }
      throw ReconcileFailure.retryable(Reasons.REPOSITORY_UNAVAILABLE, "Cannot list the tags of " + reference
          + " (spec.chart.repository \"" + reference.repositoryUrl() + "\"): " + describe(e)
          + ". helmop retries with backoff.", e);
    }
  }

  /** Every tag, following the registry's pages (Link: <...>; rel="next"). */
  private static List<String> fetchTags(RegistrySession session) throws IOException {
    List<String> tags = new ArrayList<>();
    var uri = session.uri("tags/list");
    for (int page = 0; uri != null && page < 100; page++) {
      RegistrySession.Response response = session.get(uri, "application/json");
      try (InputStream body = response.body()) {
        JSON.readTree(body).path("tags").forEach(tag -> tags.add(tag.asText()));
      }
      uri = response.links().stream().filter(link -> link.contains("rel=\"next\""))
          .map(link -> session.resolve(link.substring(link.indexOf('<') + 1, link.indexOf('>'))))
          .findFirst().orElse(null);
    }
    return tags;
  }

  private ChartManifest manifest(RegistrySession session, OciReference reference, String tag)
      throws ReconcileFailure {
    String where = reference + ":" + tag;
    try {
      JsonNode manifest = json(session, session.uri("manifests/" + tag), MANIFEST);
      String layer = null;
      for (JsonNode candidate : manifest.path("layers")) {
        if (CHART_LAYER.equals(candidate.path("mediaType").asText())) {
          layer = candidate.path("digest").asText();
        }
      }
      if (layer == null || !layer.startsWith("sha256:")) {
        throw ReconcileFailure.stalled(Reasons.CHART_NOT_FOUND, where + " is not a Helm chart: its manifest has no "
            + "sha256 layer of media type " + CHART_LAYER + ". Push it with `helm push`.");
      }
      String configDigest = manifest.path("config").path("digest").asText();
      byte[] config;
      try (InputStream body = session.get(session.uri("blobs/" + configDigest), "*/*").body()) {
        config = body.readAllBytes();
      }
      if (!configDigest.equals("sha256:" + HexFormat.of().formatHex(ChartCache.sha256().digest(config)))) {
        throw new IOException("the chart metadata (config blob) does not match its digest " + configDigest);
      }
      JsonNode chart = JSON.readTree(config);
      return new ChartManifest(chart.path("name").asText(), chart.path("version").asText(),
          chart.path("appVersion").asText(""), layer.substring("sha256:".length()));
    } catch (AccessDenied e) {
      throw accessDenied(reference, session, e);
    } catch (IOException | RuntimeException e) {
      if (SourceLimitExceeded.in(e) != null) {
        throw SourceLimitExceeded.in(e).failure("the manifest of " + where + " (spec.chart.repository)");
      }
      throw ReconcileFailure.retryable(Reasons.REPOSITORY_UNAVAILABLE, "Cannot read the manifest of " + where
          + " (spec.chart.repository \"" + reference.repositoryUrl() + "\"): " + describe(e)
          + ". helmop retries with backoff.", e);
    }
  }

  private Path download(RegistrySession session, OciReference reference, ChartManifest manifest)
      throws ReconcileFailure {
    String digest = "sha256:" + manifest.archiveSha256();
    try (InputStream body = session.get(session.uri("blobs/" + digest), "*/*", limits.maxArchiveBytes(),
        "--source-max-archive-size").body()) {
      ChartCache.Stored stored = cache.store(body);
      if (!stored.digest().equals(manifest.archiveSha256())) {
        Files.deleteIfExists(stored.path());
        throw ReconcileFailure.retryable(Reasons.CHART_DIGEST_MISMATCH, "Chart " + manifest.name() + "-"
            + manifest.version() + " from " + reference + " has digest sha256:" + stored.digest() + " but its "
            + "manifest says " + digest + ": the download was corrupted or the registry is inconsistent. helmop "
            + "retries with backoff.", null);
      }
      return stored.path();
    } catch (AccessDenied e) {
      throw accessDenied(reference, session, e);
    } catch (IOException | RuntimeException e) {
      if (SourceLimitExceeded.in(e) != null) {
        throw SourceLimitExceeded.in(e).failure("chart " + manifest.name() + "-" + manifest.version() + " from "
            + reference);
      }
      throw ReconcileFailure.retryable(Reasons.CHART_DOWNLOAD_FAILED, "Cannot download chart " + manifest.name() + "-"
          + manifest.version() + " from " + reference + ": " + describe(e) + ". helmop retries with backoff.", e);
    }
  }

  private static JsonNode json(RegistrySession session, URI uri, String accept) throws IOException {
    try (InputStream body = session.get(uri, accept).body()) {
      return JSON.readTree(body);
    }
  }

  private static ReconcileFailure accessDenied(OciReference reference, RegistrySession session, AccessDenied e) {
    String what = session.hasCredentials()
        ? "refused the " + session.credentials() + " named in spec.chart.secretRef (" + e.getMessage() + "): fix "
            + "the Secret's username and password"
        : "requires credentials (" + e.getMessage() + "): set spec.chart.secretRef to a Secret with username and "
            + "password";
    return ReconcileFailure.retryable(Reasons.REPOSITORY_AUTH_FAILED, "OCI registry " + reference + " " + what
        + ". helmop retries with backoff.", e);
  }

  private static String describe(Exception e) {
    return HelmRepositoryClient.describe(e);
  }

  /** One chart version as its manifest and config describe it. */
  private record ChartManifest(String name, String version, String appVersion, String archiveSha256) {}

  /**
   * A repository's tags as fetched at one moment, and the manifests read since (valid as long as the list,
   * since a tag can be pushed again). Helm writes a version's + as _ in tags, which allow no +.
   */
  private record TagList(List<String> tags, Instant fetchedAt, Map<String, ChartManifest> manifests) {
    Duration age(Clock clock) {
      return Duration.between(fetchedAt, clock.instant());
    }

    List<String> versions() {
      return tags.stream().map(tag -> tag.replace('_', '+')).toList();
    }

    String tagOf(String version) {
      return version.replace('+', '_');
    }

    List<String> first(int count) {
      return versions().subList(0, Math.min(count, tags.size()));
    }
  }
}
