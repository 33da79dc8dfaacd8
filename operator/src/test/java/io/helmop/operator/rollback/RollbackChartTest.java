package io.helmop.operator.rollback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollbackChartTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void rebuildsTheRevisionFromItsRenderedManifestAndHooksKeepingNameVersionAndDefaults(@TempDir Path tmp)
      throws Exception {
    JsonNode release = JSON.readTree("""
        {"name": "web", "version": 3,
         "chart": {"metadata": {"apiVersion": "v2", "name": "hello", "version": "0.1.0", "appVersion": "1.0.0",
                                "kubeVersion": ">=1.20", "dependencies": [{"name": "common", "version": "1.x"}]},
                   "values": {"message": "default"}, "templates": [{"name": "templates/x.yaml", "data": "e30="}]},
         "config": {"message": "one"},
         "manifest": "---\\n# Source: hello/templates/cm.yaml\\nkind: ConfigMap\\ndata: {t: '{{ not a template }}'}\\n",
         "hooks": [{"name": "web-migration-3", "kind": "Job", "path": "hello/templates/job.yaml",
                    "manifest": "kind: Job\\nmetadata:\\n  annotations: {helm.sh/hook: pre-upgrade}"}]}
        """);

    Path chart = RollbackChart.write(release, tmp.resolve("chart"));

    String chartYaml = Files.readString(chart.resolve("Chart.yaml"));
    assertThat(chartYaml).contains("name: \"hello\"").contains("version: \"0.1.0\"").contains("appVersion: \"1.0.0\"")
        .doesNotContain("dependencies").doesNotContain("kubeVersion");
    assertThat(Files.readString(chart.resolve("values.yaml"))).contains("message: \"default\"");
    // the stored manifest is emitted verbatim (never parsed as a template), hooks with their annotations
    assertThat(Files.readString(chart.resolve("helmop-rollback/manifest.yaml"))).contains("'{{ not a template }}'");
    assertThat(Files.readString(chart.resolve("templates/manifest.yaml")))
        .isEqualTo("{{ .Files.Get \"helmop-rollback/manifest.yaml\" }}\n");
    assertThat(Files.readString(chart.resolve("helmop-rollback/hooks.yaml")))
        .contains("# Source: hello/templates/job.yaml").contains("helm.sh/hook: pre-upgrade");
  }
}
