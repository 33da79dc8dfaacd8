package io.helmop.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CRD users install is the one generated from the Java classes. fabric8's generator sorts printer columns by
 * name; kubectl shows them in list order, so the committed copy puts them in the order users read them.
 * To refresh the committed copies after changing the API: {@code mvn -pl crds test -Dhelmop.updateCrd=true}.
 */
class CommittedCrdTest {
  static final String FILE = "helmreleases.helmop.io-v1.yml";
  static final List<String> COLUMN_ORDER = List.of("READY", "STATUS", "REVISION", "CHART", "DRIFT", "AGE");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  /** The copies users apply: crds/ and the operator's own chart. */
  static final List<Path> COMMITTED = List.of(Path.of(FILE), Path.of("..", "helm", "helmop", "crds", FILE));

  @Test
  void committedCrdsMatchTheApiClasses() throws IOException {
    JsonNode expected = generatedWithColumnsInReadingOrder();
    for (Path committed : COMMITTED) {
      if (Boolean.getBoolean("helmop.updateCrd")) {
        Files.createDirectories(committed.toAbsolutePath().getParent());
        Files.writeString(committed, "# Generated from the io.helmop.api.v1alpha1 classes; do not edit.\n"
            + "# Refresh: mvn -pl crds test -Dhelmop.updateCrd=true\n" + YAML.writeValueAsString(expected));
      }
      assertThat(Files.exists(committed)).as("%s exists", committed).isTrue();
      assertThat(YAML.readTree(committed.toFile()))
          .as("%s is stale: run `mvn -pl crds test -Dhelmop.updateCrd=true` and commit the result", committed)
          .isEqualTo(expected);
    }
  }

  @Test
  void everyFieldIsDescribedForKubectlExplain() throws IOException {
    List<String> undescribed = new ArrayList<>();
    JsonNode schema = generatedWithColumnsInReadingOrder().at("/spec/versions/0/schema/openAPIV3Schema/properties");
    collectUndescribed(schema.path("spec"), "spec", undescribed);
    collectUndescribed(schema.path("status"), "status", undescribed);
    assertThat(undescribed).isEmpty();
  }

  @Test
  void printerColumnsReadReadyStatusRevisionChartAge() throws IOException {
    List<String> names = new ArrayList<>();
    YAML.readTree(Path.of(FILE).toFile()).at("/spec/versions/0/additionalPrinterColumns")
        .forEach(c -> names.add(c.path("name").asText()));
    assertThat(names).containsExactlyElementsOf(COLUMN_ORDER);
  }

  private static void collectUndescribed(JsonNode node, String path, List<String> undescribed) {
    if (node.isMissingNode()) {
      return;
    }
    node.path("properties").fields().forEachRemaining(field -> {
      String child = path + "." + field.getKey();
      // fields of the standard Kubernetes Condition carry their own meaning
      if (!path.startsWith("status.conditions") && !field.getValue().has("description")) {
        undescribed.add(child);
      }
      collectUndescribed(field.getValue(), child, undescribed);
    });
    collectUndescribed(node.path("items"), path + "[]", undescribed);
  }

  static JsonNode generatedWithColumnsInReadingOrder() throws IOException {
    try (InputStream in = CommittedCrdTest.class.getResourceAsStream("/META-INF/fabric8/" + FILE)) {
      assertThat(in).as("generated CRD on the classpath").isNotNull();
      JsonNode crd = YAML.readTree(in);
      for (JsonNode version : crd.path("spec").path("versions")) {
        ArrayNode columns = (ArrayNode) version.path("additionalPrinterColumns");
        List<JsonNode> sorted = new ArrayList<>();
        columns.forEach(sorted::add);
        sorted.sort((a, b) -> Integer.compare(COLUMN_ORDER.indexOf(a.path("name").asText()),
            COLUMN_ORDER.indexOf(b.path("name").asText())));
        ((ObjectNode) version).set("additionalPrinterColumns", YAML.createArrayNode().addAll(sorted));
      }
      return crd;
    }
  }
}
