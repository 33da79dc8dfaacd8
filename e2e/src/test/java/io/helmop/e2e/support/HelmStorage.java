package io.helmop.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.zip.GZIPInputStream;

/** Helm's own release record of a revision, as JSON: what `helm get all` reads, including hook runs. */
public final class HelmStorage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HelmStorage() {}

  /**
   * Rewrites a revision as a killed `helm upgrade` leaves it: pending-upgrade, started long ago.
   */
  public static void leavePending(LocalCluster cluster, String namespace, String name, int revision) {
    JsonNode release = release(cluster, namespace, name, revision);
    ((com.fasterxml.jackson.databind.node.ObjectNode) release.path("info"))
        .put("status", "pending-upgrade").put("last_deployed", "2026-01-01T00:00:00Z");
    var gzipped = new java.io.ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(gzipped)) {
      JSON.writeValue(out, release);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String value = Base64.getEncoder().encodeToString(Base64.getEncoder().encode(gzipped.toByteArray()));
    cluster.client().secrets().inNamespace(namespace).withName("sh.helm.release.v1." + name + ".v" + revision)
        .edit(secret -> {
          secret.getData().put("release", value);
          secret.getMetadata().getLabels().put("status", "pending-upgrade");
          return secret;
        });
  }

  /** Helm's status of a revision (deployed, pending-upgrade, failed, ...), or null while Helm has no record of it. */
  public static String status(LocalCluster cluster, String namespace, String name, int revision) {
    Secret secret = cluster.client().secrets().inNamespace(namespace)
        .withName("sh.helm.release.v1." + name + ".v" + revision).get();
    return secret == null ? null : release(cluster, namespace, name, revision).path("info").path("status").asText();
  }

  public static JsonNode release(LocalCluster cluster, String namespace, String name, int revision) {
    Secret secret = cluster.client().secrets().inNamespace(namespace)
        .withName("sh.helm.release.v1." + name + ".v" + revision).get();
    if (secret == null) {
      throw new AssertionError("no Helm record of " + name + " revision " + revision + " in " + namespace);
    }
    byte[] helmEncoded = Base64.getDecoder().decode(secret.getData().get("release"));
    try (var in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(helmEncoded)))) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
