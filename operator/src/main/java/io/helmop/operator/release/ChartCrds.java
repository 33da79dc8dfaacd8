package io.helmop.operator.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.helmop.api.v1alpha1.CrdPolicy;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CustomResourceDefinitions in a chart's crds/ folder, created or replaced as spec.install.crds and
 * spec.upgrade.crds say. Helm creates them on a first install only and never changes them; a chart whose CRDs
 * grow (a new version, a new field) needs them replaced before its upgrade, or the upgrade's objects are refused.
 */
final class ChartCrds {
  private static final Logger LOG = LoggerFactory.getLogger(ChartCrds.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** CRDs of large operators (prometheus-operator's) are a few MiB together; more is not a CRD folder. */
  static final long MAX_BYTES = 32L * 1024 * 1024;
  static final String FIELD_MANAGER = "helmop";

  private ChartCrds() {}

  /**
   * Brings the chart's CRDs to the cluster before Helm runs, when the policy asks helmop to (on install,
   * Create is Helm's own behaviour and Skip is Helm's --skip-crds, so only CreateReplace is done here).
   *
   * @return the names of the CRDs created or replaced
   */
  static List<String> prepare(KubernetesClient client, Path archive, CrdPolicy policy, boolean install)
      throws IOException {
    boolean helmops = policy == CrdPolicy.CreateReplace || (!install && policy == CrdPolicy.Create);
    if (!helmops) {
      return List.of();
    }
    List<String> done = new ArrayList<>();
    for (CustomResourceDefinition crd : read(client, archive)) {
      String name = crd.getMetadata().getName();
      var handle = client.apiextensions().v1().customResourceDefinitions().resource(crd);
      if (policy == CrdPolicy.CreateReplace) {
        handle.fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        done.add(name);
      } else if (client.apiextensions().v1().customResourceDefinitions().withName(name).get() == null) {
        try {
          handle.create();
          done.add(name);
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) { // created meanwhile: what Create wants
            throw e;
          }
        }
      }
    }
    if (!done.isEmpty()) {
      LOG.info("{} the chart's CustomResourceDefinitions {}", policy == CrdPolicy.CreateReplace
          ? "Applied" : "Created", done);
    }
    return done;
  }

  /** The CRDs of the top-level chart's crds/ folder (*.yaml, *.yml, *.json; several documents a file). */
  static List<CustomResourceDefinition> read(KubernetesClient client, Path archive) throws IOException {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    long total = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive));
        var tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String[] parts = entry.getName().split("/");
        if (!entry.isFile() || parts.length != 3 || !parts[1].equals("crds")
            || !parts[2].matches(".*\\.(yaml|yml|json)")) {
          continue;
        }
        total += entry.getSize();
        if (total > MAX_BYTES) {
          throw new IOException("the chart's crds/ folder holds more than " + MAX_BYTES / (1024 * 1024) + " MiB");
        }
        try (var parser = YAML.getFactory().createParser(tar.readNBytes((int) entry.getSize()))) {
          var documents = YAML.readValues(parser, JsonNode.class);
          while (documents.hasNext()) {
            JsonNode document = documents.next();
            if (document != null && "CustomResourceDefinition".equals(document.path("kind").asText())) {
              crds.add(client.getKubernetesSerialization().convertValue(document, CustomResourceDefinition.class));
            }
          }
        }
      }
    }
    return crds;
  }
}
