package io.helmop.e2e;

import static io.helmop.e2e.support.ChartRepository.writeChart;
import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The preflight steps only a real API server can take or that need Helm's real messages: a server-side dry run
 * refuses a field the API server rejects and a kind it does not serve (unless the chart installs the CRD), and
 * values against values.schema.json stall with ValuesInvalid. Nothing is installed when a step fails.
 */
class PreflightIT extends OperatorTest {
  static ChartRepository repository;
  static final String WIDGET_CRD = """
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: widgets.preflight.example.com}
      spec:
        group: preflight.example.com
        names: {kind: Widget, plural: widgets, singular: widget}
        scope: Namespaced
        versions:
        - name: v1
          served: true
          storage: true
          schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
      """;

  @BeforeAll
  static void start() throws IOException {
    cluster = LocalCluster.get();
    Path charts = Files.createTempDirectory("preflight-charts-");
    String widget = """
        apiVersion: preflight.example.com/v1
        kind: Widget
        metadata: {name: {{ .Release.Name }}-widget}
        spec: {size: 3}
        """;
    String service = """
        apiVersion: v1
        kind: Service
        metadata: {name: {{ .Release.Name }}-svc}
        spec:
          ports: [{port: {{ .Values.port }}}]
        """;
    repository = startOperator(new ChartRepository(cluster)
        .publish(writeChart(charts, "widgets", Map.of("templates/widget.yaml", widget)), "1.0.0", "1.0.0")
        .publish(writeChart(charts, "widgets-with-crd", Map.of("templates/widget.yaml", widget,
            "crds/widget.yaml", WIDGET_CRD)), "1.0.0", "1.0.0")
        .publish(writeChart(charts, "ports", Map.of("templates/service.yaml", service, "values.yaml", "port: 80\n",
            "values.schema.json", """
                {"type": "object", "properties": {"port": {"type": "integer"}, "apiToken": {"type": "string",
                 "pattern": "^tok_[a-z]+$"}}}""")), "1.0.0", "1.0.0"));
  }

  @Test
  void anObjectTheApiServerRejectsIsRefusedInTheDryRunAndNothingIsInstalled() {
    String ns = namespace("dryrun");
    apply(cluster, release(ns, "ports", "values: {port: 70000}"));

    var ready = awaitReadyFalse(ns, "ports", "PreflightFailed");

    assertThat(ready.getMessage()).contains("The API server refused 1 object of chart ports-1.0.0 in a dry run")
        .contains("Service ports-svc: Service \"ports-svc\" is invalid: [spec.ports[0].port: Invalid value: 70000")
        .contains("(templates/service.yaml)");
    assertThat(hasCondition(get(cluster, ns, "ports"), "Stalled", "False")).as("retried").isTrue();
    assertThat(cluster.helm("list", "-n", ns, "--all", "-q").orFail().output()).isBlank();
    assertThat(cluster.client().services().inNamespace(ns).list().getItems()).isEmpty();
  }

  @Test
  void aKindTheClusterDoesNotServeIsAMissingCrdUnlessTheChartInstallsIt() {
    String ns = namespace("crd");
    // the cluster outlives a test run, and Helm never deletes a CRD it installed from crds/
    cluster.kubectl("delete", "crd", "widgets.preflight.example.com", "--ignore-not-found").orFail();
    apply(cluster, release(ns, "widgets", ""));
    var ready = awaitReadyFalse(ns, "widgets", "PreflightFailed");
    assertThat(ready.getMessage()).contains("Widget widgets-widget: the cluster does not serve Widget in "
        + "preflight.example.com/v1. Install its CRD first");
    assertThat(cluster.helm("list", "-n", ns, "--all", "-q").orFail().output()).isBlank();

    apply(cluster, release(ns, "widgets-with-crd", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/widgets-with-crd", "-n", ns, "--timeout=180s")
        .orFail();
    assertThat(cluster.kubectl("get", "widgets.preflight.example.com", "-n", ns, "-o", "name").orFail().output())
        .contains("widget.preflight.example.com/widgets-with-crd-widget");
  }

  @Test
  void valuesRefusedByTheChartsSchemaStallWithValuesInvalidAndNeverShowTheValue() {
    String ns = namespace("schema");
    String token = "Not-A-Valid-Token-42";
    apply(cluster, release(ns, "ports", "values: {port: \"eighty\", apiToken: " + token + "}"));

    var ready = awaitReadyFalse(ns, "ports", "ValuesInvalid");

    assertThat(ready.getMessage()).contains("values.schema.json of chart ports-1.0.0")
        .contains("at '/port': got string, want integer")
        .contains("at '/apiToken': the value does not match pattern");
    assertThat(hasCondition(get(cluster, ns, "ports"), "Stalled", "True")).isTrue();
    assertThat(awaitEvents(ns, "ports", "ValuesInvalid")).extracting(Event::getMessage)
        .noneMatch(m -> m.contains(token));
    assertThat(cluster.kubectl("get", "helmrelease", "-n", ns, "-o", "jsonpath={.status}").orFail().output())
        .doesNotContain(token);
    assertThat(operator.log()).doesNotContain(token);
  }

  static String release(String ns, String chart, String spec) {
    return helmRelease(ns, chart, repository.url(), chart, "1.0.0", """
        policy: {mode: Disabled}
        %s""".formatted(spec));
  }
}
