package io.helmop.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.operator.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `java -jar helmop-operator.jar check CHART` as a CI step runs it: on the seed's payment-service chart (passes),
 * on a chart that breaks every rule (fails, naming each), and on charts that do not render or match their schema.
 */
class CheckCommandTest {
  static final Path EXAMPLES = Path.of("..", "examples", "charts");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {}

  static Run check(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of("check"));
    all.addAll(List.of(args));
    int exit = cli.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void theSeedsPaymentServiceChartPassesWithItsProductionValues() {
    Run run = check(EXAMPLES.resolve("payment-service").toString(), "-f",
        EXAMPLES.resolve("payment-service/values-production.yaml").toString(), "--set", "image.tag=2.8.1");

    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("Chart payment-service-1.4.2").contains("render          ok: 4 objects, 1 hook")
        .contains("helm lint       ok").contains("policy rules    ok: every rule passes").endsWith("Result: passed\n");
  }

  @Test
  void aChartThatBreaksEveryRuleFailsAndEachFindingNamesItsObjectButNoSecretValue() throws Exception {
    Run run = check(EXAMPLES.resolve("unsafe-service").toString(), "--output", "json");

    assertThat(run.exit()).isEqualTo(1);
    JsonNode report = JSON.readTree(run.out());
    assertThat(report.path("passed").asBoolean()).isFalse();
    List<JsonNode> findings = StreamSupport.stream(report.path("findings").spliterator(), false).toList();
    assertThat(findings).extracting(f -> f.path("rule").asText()).containsOnly("readiness-probe",
        "liveness-probe", "resources", "no-secrets-in-values", "hook-delete-policy", "hook-deadline",
        "stable-names", "image-tag")
        .as("every rule but atomic-upgrades, which needs a HelmRelease").hasSize(12);
    assertThat(findings).filteredOn(f -> f.path("rule").asText().equals("no-secrets-in-values")).singleElement()
        .satisfies(f -> {
          assertThat(f.path("object").asText()).isEqualTo("values.yaml of chart unsafe-service-0.1.0");
          assertThat(f.path("path").asText()).isEqualTo("database.password");
        });
    assertThat(findings).filteredOn(f -> f.path("rule").asText().equals("hook-deadline")).singleElement()
        .satisfies(f -> assertThat(f.path("object").asText()).isEqualTo("hook Job unsafe-service-migration"));
    assertThat(findings).filteredOn(f -> f.path("rule").asText().equals("stable-names")).singleElement()
        .satisfies(f -> assertThat(f.path("blocking").asBoolean()).isFalse());
    assertThat(run.out() + run.err()).doesNotContain("hunter2-in-git");
  }

  @Test
  void warnModeAndExclusionsLetTheCheckPass() {
    Path unsafe = EXAMPLES.resolve("unsafe-service");

    Run warn = check(unsafe.toString(), "--mode", "Warn");
    assertThat(warn.exit()).isZero();
    assertThat(warn.out()).contains("WARN    readiness-probe: Deployment unsafe-service-web, container web")
        .contains("Result: passed (12 findings, 0 blocking in mode Warn)");

    Run excluded = check(unsafe.toString(), "--exclude", "readiness-probe,liveness-probe,resources",
        "--exclude", "no-secrets-in-values,hook-delete-policy,hook-deadline,image-tag");
    assertThat(excluded.exit()).as(excluded.out()).isZero();
    assertThat(excluded.out()).contains("WARN    stable-names");
  }

  @Test
  void aTemplateErrorFailsTheCheckWithTheTemplateAndLine() throws IOException {
    Path chart = chart("broken", Map.of("templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.app.name }}\n"));

    Run run = check(chart.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("render          FAILED: template: broken/templates/cm.yaml:4:");
  }

  @Test
  void valuesAgainstTheSchemaFailWithThePathAndWithoutTheValue() throws IOException {
    Path chart = chart("strict", Map.of(
        "values.schema.json", """
            {"type": "object", "properties": {"auth": {"type": "object", "properties":
              {"password": {"type": "string", "pattern": "^[a-z]+$"}}}}}""",
        "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\n"));
    Path values = Files.writeString(dir.resolve("values.yaml"), "auth: {password: N0t-Lowercase!}\n");

    Run run = check(chart.toString(), "-f", values.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("values schema   FAILED: strict: at '/auth/password': the value does not match")
        .doesNotContain("N0t-Lowercase!");
  }

  @Test
  void theKubeVersionIsWhatTheChartIsRenderedAs() throws IOException {
    Path chart = chart("modern", Map.of("templates/cm.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: modern}
        data: {version: {{ .Capabilities.KubeVersion.Version | quote }}}
        """));
    Files.writeString(chart.resolve("Chart.yaml"), "kubeVersion: \">=1.30.0-0\"\n",
        java.nio.file.StandardOpenOption.APPEND);

    assertThat(check(chart.toString()).exit()).as("1.33 by default").isZero();
    Run old = check(chart.toString(), "--kube-version", "1.28");
    assertThat(old.exit()).isEqualTo(1);
    assertThat(old.out()).contains("render          FAILED").contains("kubeVersion");
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(check(EXAMPLES.resolve("payment-service").toString(), "--exclude", "no-such-rule").exit())
        .isEqualTo(2);
    assertThat(check(dir.resolve("missing").toString()).exit()).isEqualTo(2);
    assertThat(check(EXAMPLES.resolve("payment-service").toString(), "--output", "yaml").exit()).isEqualTo(2);
  }

  @Test
  void setTakesDottedKeysCommasAndTypes() {
    assertThat(CheckCommand.setValues(List.of("image.tag=2.8.0,replicas=3", "flags.dry=true", "a\\.b=x\\,y")))
        .isEqualTo(Map.of("image", Map.of("tag", "2.8.0"), "replicas", 3L, "flags", Map.of("dry", true),
            "a.b", "x,y"));
  }

  Path chart(String name, Map<String, String> files) throws IOException {
    Path chart = dir.resolve(name);
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n");
    for (var file : files.entrySet()) {
      Files.writeString(chart.resolve(file.getKey()), file.getValue());
    }
    return chart;
  }
}
