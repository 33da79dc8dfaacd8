package io.helmop.operator.values;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.source.ResolvedChart;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValuesComposerTest {
  @TempDir Path dir;
  final ValuesComposer composer = new ValuesComposer(null); // no valuesFrom here: no cluster needed

  ResolvedChart chart(Map<String, String> files) throws Exception {
    Path archive = dir.resolve("payment-service-1.4.2.tgz");
    try (OutputStream out = Files.newOutputStream(archive);
        var tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
      for (var file : files.entrySet()) {
        byte[] bytes = file.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry("payment-service/" + file.getKey());
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
      }
    }
    return new ResolvedChart("payment-service", "1.4.2", "2.8.0", archive, "d");
  }

  static HelmRelease release(List<String> valuesFiles, String inlineJson) throws Exception {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withName("app").withNamespace("payments").build());
    release.setSpec(new HelmReleaseSpec());
    release.getSpec().setValuesFiles(valuesFiles);
    if (inlineJson != null) {
      release.getSpec().setValues((ObjectNode) new ObjectMapper().readTree(inlineJson));
    }
    return release;
  }

  @Test
  void environmentFilesThenInlineValuesLaterWins() throws Exception {
    ResolvedChart chart = chart(Map.of(
        "values.yaml", "replicaCount: 2\nimage: {tag: \"\", pullPolicy: IfNotPresent}\n",
        "values-production.yaml", "replicaCount: 4\nimage: {tag: \"2.8.0\"}\n"));
    Map<String, Object> values = composer.compose(
        release(List.of("values.yaml", "values-production.yaml"), "{\"image\": {\"tag\": \"2.8.1\"}}"), chart);
    assertThat(values).containsEntry("replicaCount", 4);
    assertThat(values.get("image")).isEqualTo(Map.of("tag", "2.8.1", "pullPolicy", "IfNotPresent"));
  }

  @Test
  void aMissingValuesFileIsNamedWithTheFilesTheChartHas() throws Exception {
    ResolvedChart chart = chart(Map.of("values.yaml", "a: 1\n", "values-staging.yaml", "a: 2\n"));
    assertThatThrownBy(() -> composer.compose(release(List.of("values-prod.yaml"), null), chart))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("ValuesFileNotFound"))
        .hasMessageContaining("spec.valuesFiles[0]").hasMessageContaining("values-prod.yaml")
        .hasMessageContaining("values-staging.yaml");
  }

  @Test
  void nullIsKeptSoHelmRemovesTheChartDefault() {
    Map<String, Object> base = new LinkedHashMap<>(Map.of("resources", Map.of("limits", Map.of("cpu", "1"))));
    Map<String, Object> override = new LinkedHashMap<>();
    override.put("resources", null);
    ValuesComposer.merge(base, override);
    assertThat(base).containsEntry("resources", null);
  }

  @Test
  void targetPathSetsOneValueAndRejectsGarbage() throws Exception {
    assertThat(ValuesComposer.atPath("database.password", "s3cret", "spec.valuesFrom[0]"))
        .isEqualTo(Map.of("database", Map.of("password", "s3cret")));
    assertThat(ValuesComposer.atPath("annotations.example\\.com/x", "v", "f")).isNotNull()
        .isEqualTo(Map.of("annotations", Map.of("example.com/x", "v")));
    assertThatThrownBy(() -> ValuesComposer.atPath("database..password", "s3cret", "spec.valuesFrom[0]"))
        .hasMessageContaining("spec.valuesFrom[0].targetPath").hasMessageNotContaining("s3cret");
  }
}
