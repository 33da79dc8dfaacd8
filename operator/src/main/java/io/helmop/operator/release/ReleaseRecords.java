package io.helmop.operator.release;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Helm's own release records. helm-java has neither "get manifest" nor "rollback", and reading the
 * Secrets directly costs one API call, not one Helm call.
 */
public class ReleaseRecords {
  /** How helmop's own marks start in Helm's DESCRIPTION column: an operation it stopped, or found abandoned. */
  public static final String STOPPED = "helmop: stopped";
  public static final String ABANDONED = "helmop: marked failed";
  /** Added to a mark once the objects are back as the last deployed revision has them. */
  public static final String RESTORED = "objects restored to revision";
  /**
   * How the description of a revision helmop made names the desired digest it applied ("Upgrade complete
   * (helmop digest 3f2a...)"). Helm writes it with the revision, so it survives a status write that failed after
   * Helm succeeded, and the next reconcile knows the revision is already the desired one.
   */
  static final String DIGEST = "helmop digest ";

  /** The description for Helm's history of an install or upgrade of the given desired digest. */
  public static String appliedDescription(boolean install, String digest) {
    return (install ? "Install" : "Upgrade") + " complete (" + DIGEST + digest + ")";
  }
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(ReleaseRecords.class);

  private final KubernetesClient client;

  /** The client Helm's records are read and written with; the same rights serve the release's CRDs. */
  KubernetesClient client() {
    return client;
  }

  public ReleaseRecords(KubernetesClient client) {
    this.client = client;
  }

  /** All stored revisions of the release, newest first. */
  public List<ReleaseRecord> history(String namespace, String releaseName) {
    return storageSecrets(namespace, releaseName).stream()
        .map(ReleaseRecords::decode)
        .sorted(Comparator.comparingInt(ReleaseRecord::revision).reversed())
        .toList();
  }

  /**
   * The HelmRelease the release belongs to: the marks of its newest marked revision (a revision another client
   * made since may lack them). Empty when no revision is marked.
   */
  public static Optional<ReleaseOwner> owner(List<ReleaseRecord> history) {
    return history.stream().map(ReleaseRecord::markedOwner).flatMap(Optional::stream).findFirst();
  }

  /**
   * Marks the revisions newer than {@code after} as {@code owner}'s: those one Helm call of helmop wrote (the
   * caller holds the release, so no other HelmRelease's call wrote any of them). A merge patch of the labels
   * alone, so it never conflicts with Helm rewriting a record.
   */
  public void mark(String namespace, String releaseName, int after, ReleaseOwner owner) {
    String patch;
    try {
      patch = JSON.writeValueAsString(Map.of("metadata", Map.of("labels", owner.labels())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    storageSecrets(namespace, releaseName).stream()
        .filter(secret -> revisionOf(secret) > after)
        .filter(secret -> !ReleaseOwner.fromLabels(secret.getMetadata().getLabels()).equals(Optional.of(owner)))
        .forEach(secret -> client.secrets().inNamespace(namespace).withName(secret.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
  }

  /**
   * {@link #mark} right after a Helm call, which may itself have failed: Helm's outcome matters more than the
   * marks, so a failure to mark is logged, and the next reconcile marks what is left (state UNMARKED).
   */
  public void markNewRevisions(String namespace, String releaseName, int after, ReleaseOwner owner) {
    try {
      mark(namespace, releaseName, after, owner);
    } catch (RuntimeException e) {
      LOG.warn("Could not mark release {} in namespace {} as HelmRelease {}'s: {}", releaseName, namespace, owner,
          e.getMessage());
    }
  }

  /** Helm's whole record of one revision (chart, values, manifest, hooks), if Helm still keeps it. */
  public Optional<JsonNode> releaseJson(String namespace, String releaseName, int revision) {
    Secret secret = client.secrets().inNamespace(namespace)
        .withName("sh.helm.release.v1." + releaseName + ".v" + revision).get();
    if (secret == null || !"helm.sh/release.v1".equals(secret.getType())) {
      return Optional.empty();
    }
    return Optional.of(decodeJson(secret));
  }

  public Optional<ReleaseRecord> latest(String namespace, String releaseName) {
    return history(namespace, releaseName).stream().findFirst();
  }

  /**
   * Deletes the oldest records beyond {@code keep}, as Helm's --history-max does (helm-java cannot pass it).
   * The deployed revision is always kept.
   */
  public void prune(String namespace, String releaseName, int keep) {
    List<Secret> newestFirst = storageSecrets(namespace, releaseName).stream()
        .sorted(Comparator.comparingInt(ReleaseRecords::revisionOf).reversed())
        .toList();
    newestFirst.stream().skip(keep)
        .filter(secret -> !ReleaseRecord.DEPLOYED.equals(secret.getMetadata().getLabels().get("status")))
        .forEach(secret -> client.resource(secret).delete());
  }

  /**
   * Marks a revision that was left pending-install/pending-upgrade as failed, in Helm's own storage, so Helm
   * accepts the next operation (otherwise: "another operation is in progress", forever). This is what a person
   * would do by hand after a killed `helm upgrade`.
   */
  public void markFailed(ReleaseRecord pending, String description) {
    String name = "sh.helm.release.v1." + pending.name() + ".v" + pending.revision();
    client.secrets().inNamespace(pending.namespace()).withName(name).edit(secret -> {
      JsonNode release = decodeJson(secret);
      ((ObjectNode) release.path("info")).put("status", "failed").put("description", description);
      secret.getData().put("release", encode(release));
      secret.getMetadata().getLabels().put("status", "failed");
      return secret;
    });
  }

  /** Records on a revision helmop marked failed that its objects are back as {@code revision} has them. */
  public void markRestored(ReleaseRecord failed, int revision) {
    markFailed(failed, failed.description() + "; " + RESTORED + " " + revision);
  }

  private List<Secret> storageSecrets(String namespace, String releaseName) {
    return client.secrets().inNamespace(namespace)
        .withLabels(Map.of("owner", "helm", "name", releaseName))
        .list().getItems().stream()
        .filter(secret -> "helm.sh/release.v1".equals(secret.getType()))
        .toList();
  }

  private static int revisionOf(Secret secret) {
    return Integer.parseInt(secret.getMetadata().getLabels().getOrDefault("version", "0"));
  }

  static ReleaseRecord decode(Secret secret) {
    return fromJson(decodeSummary(secret))
        .withOwner(ReleaseOwner.fromLabels(secret.getMetadata().getLabels()).orElse(null));
  }

  /** Far more than Helm's 1 MiB of gzipped JSON unpacks to. */
  private static final long MAX_RECORD_BYTES = 64L * 1024 * 1024;
  /**
   * What a summary may stream through: the chart's files and templates (a chart with large files compresses
   * into Helm's 1 MiB) are skipped, not kept, so only time is spent on them, and a bomb still ends.
   */
  private static final long MAX_STREAMED_BYTES = 1024L * 1024 * 1024;

  /**
   * The record without the chart's files, templates and schema (only chart.metadata is kept): what the history
   * needs (status, description, values, manifest), in memory the size of those alone (at most MAX_RECORD_BYTES
   * of them, checked field by field).
   */
  static JsonNode decodeSummary(Secret secret) {
    try (var in = unpacked(secret, MAX_STREAMED_BYTES); var parser = JSON.getFactory().createParser(in)) {
      ObjectNode root = JSON.createObjectNode();
      long[] kept = {0};
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        if ("chart".equals(field) && parser.currentToken() == JsonToken.START_OBJECT) {
          ObjectNode chart = root.putObject("chart");
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String part = parser.currentName();
            parser.nextToken();
            if ("metadata".equals(part)) {
              chart.set("metadata", kept(parser, kept));
            } else {
              parser.skipChildren();
            }
          }
        } else {
          root.set(field, kept(parser, kept));
        }
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException("Helm release record " + secret.getMetadata().getName() + " is unreadable", e);
    }
  }

  /** The Secret's data is base64 (the API) of base64 (Helm) of gzip of the release JSON. */
  static JsonNode decodeJson(Secret secret) {
    try (var in = unpacked(secret, MAX_RECORD_BYTES)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Helm release record " + secret.getMetadata().getName() + " is unreadable", e);
    }
  }

  /**
   * The record's JSON as a stream of at most {@code bound} bytes: a record is at most 1 MiB gzipped, and one that
   * unpacks past the bound (a bomb someone wrote in the namespace) ends in a parse error, not a full heap.
   */
  private static java.io.InputStream unpacked(Secret secret, long bound) throws IOException {
    byte[] helmEncoded = Base64.getDecoder().decode(secret.getData().get("release"));
    byte[] gzipped = Base64.getDecoder().decode(helmEncoded);
    return org.apache.commons.io.input.BoundedInputStream.builder()
        .setInputStream(new GZIPInputStream(new ByteArrayInputStream(gzipped))).setMaxCount(bound).get();
  }

  private static JsonNode kept(JsonParser parser, long[] kept) throws IOException {
    long start = parser.currentLocation().getByteOffset();
    JsonNode value = JSON.readTree(parser);
    kept[0] += parser.currentLocation().getByteOffset() - start;
    if (kept[0] > MAX_RECORD_BYTES) {
      throw new IOException("more than " + MAX_RECORD_BYTES / (1024 * 1024) + " MiB besides the chart's files");
    }
    return value;
  }

  /** The inverse of {@link #decodeJson}: the value to store under data.release. */
  static String encode(JsonNode release) {
    var gzipped = new ByteArrayOutputStream();
    try (var out = new GZIPOutputStream(gzipped)) {
      JSON.writeValue(out, release);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] helmEncoded = Base64.getEncoder().encode(gzipped.toByteArray());
    return Base64.getEncoder().encodeToString(helmEncoded);
  }

  static ReleaseRecord fromJson(JsonNode release) {
    JsonNode info = release.path("info");
    JsonNode chart = release.path("chart").path("metadata");
    return new ReleaseRecord(
        release.path("name").asText(),
        release.path("namespace").asText(),
        release.path("version").asInt(),
        info.path("status").asText(),
        chart.path("name").asText(),
        chart.path("version").asText(),
        chart.path("appVersion").asText(""),
        info.path("last_deployed").asText(""),
        info.path("description").asText(""),
        release.path("config"),
        release.path("manifest").asText(""),
        release.path("hooks"));
  }
}
