package io.helmop.operator.rollback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.operator.files.Folders;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.ReleaseRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Rebuilds a chart directory from Helm's record of one revision, so that an upgrade to it reproduces that
 * revision exactly, even when the chart is gone from its source.
 *
 * <p>The record holds the chart's metadata, templates, default values and files, and the manifest and hooks
 * Helm rendered from them. helmop re-applies the rendered manifest and hooks (as `helm rollback` does) rather
 * than rendering the templates again: the record does not hold subcharts, and rendering again would give new
 * values to `randAlphaNum`, `lookup` or `now`. The rebuilt chart keeps the revision's name, version and
 * appVersion (so `helm history` shows them) and its default values; its templates emit the stored manifest and
 * hooks verbatim from files under {@code helmop-rollback/}.
 */
public final class RollbackChart {
  static final String FILES = "helmop-rollback";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Chart.yaml fields kept: dependencies are already rendered into the manifest, kubeVersion was checked. */
  private static final List<String> METADATA = List.of("apiVersion", "name", "version", "appVersion",
      "description", "home", "icon", "keywords", "sources", "maintainers", "annotations");

  private RollbackChart() {}

  /**
   * Helm's rollback (helm-java has none): an upgrade of {@code base}'s release, with its switches, to the chart
   * and values Helm recorded for a revision ({@code release}); the chart's tests do not run, and the upgrade is
   * not stopped when the HelmRelease changes meanwhile, as `helm rollback` would not be.
   */
  public static void upgradeTo(HelmEngine helm, JsonNode release, ReleaseRequest base, Path workDir,
      String description) {
    Path chartDir = workDir.resolve("rollback-" + UUID.randomUUID());
    try {
      write(release, chartDir);
      @SuppressWarnings("unchecked")
      Map<String, Object> values = release.path("config").isObject()
          ? YAML.convertValue(release.path("config"), Map.class) : Map.of();
      helm.upgrade(base.withChart(chartDir).withValues(values).forRollback(), description, () -> false);
    } finally {
      Folders.delete(chartDir);
    }
  }

  /** Writes the chart into {@code dir} (created) and returns it. */
  public static Path write(JsonNode release, Path dir) {
    try {
      Files.createDirectories(dir.resolve("templates"));
      Files.createDirectories(dir.resolve(FILES));
      JsonNode metadata = release.path("chart").path("metadata");
      ObjectNode chart = YAML.createObjectNode();
      for (String field : METADATA) {
        if (metadata.hasNonNull(field)) {
          chart.set(field, metadata.get(field));
        }
      }
      chart.put("apiVersion", "v2");
      chart.put("type", "application");
      YAML.writeValue(dir.resolve("Chart.yaml").toFile(), chart);
      JsonNode values = release.path("chart").path("values");
      YAML.writeValue(dir.resolve("values.yaml").toFile(), values.isObject() ? values : YAML.createObjectNode());
      Files.writeString(dir.resolve(FILES).resolve("manifest.yaml"), release.path("manifest").asText(""));
      StringBuilder hooks = new StringBuilder();
      for (JsonNode hook : release.path("hooks")) {
        hooks.append("---\n# Source: ").append(hook.path("path").asText()).append('\n')
            .append(hook.path("manifest").asText("")).append('\n');
      }
      Files.writeString(dir.resolve(FILES).resolve("hooks.yaml"), hooks.toString());
      Files.writeString(dir.resolve("templates/manifest.yaml"), "{{ .Files.Get \"" + FILES + "/manifest.yaml\" }}\n");
      Files.writeString(dir.resolve("templates/hooks.yaml"), "{{ .Files.Get \"" + FILES + "/hooks.yaml\" }}\n");
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the rollback chart to " + dir, e);
    }
  }
}
