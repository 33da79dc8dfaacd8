package io.helmop.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.lifecycle.SignalHandlers;
import io.helmop.operator.release.HelmJavaEngine;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedRelease;
import io.helmop.operator.values.ValuesSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the preflight adds to a release, warm, on this machine: render (hooks included) + rules, which the
 * operator pays before every install and upgrade, and lint beside it; the server-side dry run (one request per
 * object) is left out. Prints figures; asserts only that the work was done.
 */
class PreflightBenchmarkTest {
  static final int WARMUP = 15;
  static final int RUNS = 40;
  /** Lint is slower (about 0.4 s for 200 objects here): fewer runs keep the test short. */
  static final int LINT_RUNS = 6;

  @TempDir
  Path dir;

  @Test
  void preflightTimePerReleaseForThePaymentServiceChartAndA200ObjectChart() throws IOException {
    HelmJavaEngine helm = new HelmJavaEngine(HelmKubeconfig.fromFile(null), SignalHandlers.captureJvmHandlers(),
        dir.resolve("work"));
    Path payment = packaged(Path.of("..", "examples", "charts", "payment-service"));
    Path big = packaged(bigChart(40));

    measure(helm, "payment-service-1.4.2", payment, Map.of("image", Map.of("tag", "2.8.0")), 4);
    measure(helm, "big-1.0.0 (200 objects)", big, Map.of(), 200);
  }

  private void measure(HelmJavaEngine helm, String name, Path chart, Map<String, Object> values, int objects) {
    ReleaseRequest request = new ReleaseRequest("bench", "apps", chart, values, true, true, Duration.ofMinutes(5),
        false, true);
    List<ValuesSource> sources = List.of(new ValuesSource("spec.values", values, false));
    long coldStart = System.nanoTime();
    helm.render(request, "v1.33.0");
    double cold = (System.nanoTime() - coldStart) / 1e6;
    List<Double> render = new ArrayList<>();
    List<Double> rules = new ArrayList<>();
    List<Double> lint = new ArrayList<>();
    int findings = 0;
    for (int i = 0; i < WARMUP + RUNS; i++) {
      long t0 = System.nanoTime();
      RenderedRelease rendered = helm.render(request, "v1.33.0");
      long t1 = System.nanoTime();
      var input = new PolicyRules.Input(rendered.objects(), sources, rendered.chartValues(), name, "bench",
          new PolicyRules.Upgrade(true, true, Duration.ofMinutes(5)));
      findings = PolicyRules.evaluate(input, Set.of()).size();
      long t2 = System.nanoTime();
      assertThat(rendered.objects().size() - rendered.hooks().size()).isEqualTo(objects);
      if (i >= WARMUP) {
        render.add((t1 - t0) / 1e6);
        rules.add((t2 - t1) / 1e6);
      }
    }
    helm.lint(request);
    for (int i = 0; i < LINT_RUNS; i++) {
      long t0 = System.nanoTime();
      helm.lint(request);
      lint.add((System.nanoTime() - t0) / 1e6);
    }
    List<Double> total = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      total.add(render.get(i) + rules.get(i));
    }
    System.out.printf("preflight benchmark %s: render+rules median %.1f ms, p90 %.1f ms (render %.1f, rules %.2f); "
        + "lint median %.1f ms (%d runs); first render (cold) %.0f ms; %d findings; %d warm runs%n", name,
        median(total), p90(total), median(render), median(rules), median(lint), LINT_RUNS, cold, findings, RUNS);
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  static double p90(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1);
  }

  private Path packaged(Path chartDir) {
    Path out = dir.resolve("packaged");
    new Helm(chartDir).packageIt().withDestination(out).call();
    try (var files = Files.list(out)) {
      return files.filter(f -> f.getFileName().toString().startsWith(chartDir.getFileName().toString()))
          .findFirst().orElseThrow();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A chart of {@code services} services, each a Deployment, Service, ConfigMap, ServiceAccount and HPA. */
  private Path bigChart(int services) throws IOException {
    Path chart = dir.resolve("big");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: big\nversion: 1.0.0\n");
    StringBuilder values = new StringBuilder("fullnameOverride: big\nservices:\n");
    for (int i = 0; i < services; i++) {
      values.append("  - {name: svc-").append(i).append(", port: ").append(8000 + i).append("}\n");
    }
    Files.writeString(chart.resolve("values.yaml"), values);
    Files.writeString(chart.resolve("templates/_helpers.tpl"), """
        {{- define "big.labels" -}}
        app.kubernetes.io/name: {{ .name }}
        app.kubernetes.io/instance: {{ .root.Release.Name }}
        {{- end -}}
        """);
    Files.writeString(chart.resolve("templates/deployments.yaml"), """
        {{- range .Values.services }}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ .name }}
          labels: {{- include "big.labels" (dict "name" .name "root" $) | nindent 4 }}
        spec:
          selector:
            matchLabels: {{- include "big.labels" (dict "name" .name "root" $) | nindent 6 }}
          template:
            metadata:
              labels: {{- include "big.labels" (dict "name" .name "root" $) | nindent 8 }}
            spec:
              serviceAccountName: {{ .name }}
              containers:
                - name: app
                  image: "registry.example.com/{{ .name }}:1.0.0"
                  ports: [{containerPort: {{ .port }}}]
                  readinessProbe: {httpGet: {path: /ready, port: {{ .port }}}}
                  livenessProbe: {httpGet: {path: /live, port: {{ .port }}}}
                  resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}
        {{- end }}
        """);
    Files.writeString(chart.resolve("templates/services.yaml"), """
        {{- range .Values.services }}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: {{ .name }}}
        spec:
          selector: {{- include "big.labels" (dict "name" .name "root" $) | nindent 4 }}
          ports: [{port: 80, targetPort: {{ .port }}}]
        {{- end }}
        """);
    Files.writeString(chart.resolve("templates/configmaps.yaml"), """
        {{- range .Values.services }}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: {{ .name }}-config}
        data: {port: {{ .port | quote }}, name: {{ .name | quote }}}
        {{- end }}
        """);
    Files.writeString(chart.resolve("templates/serviceaccounts.yaml"), """
        {{- range .Values.services }}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: {{ .name }}}
        {{- end }}
        """);
    Files.writeString(chart.resolve("templates/hpas.yaml"), """
        {{- range .Values.services }}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: {{ .name }}}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ .name }}}
          minReplicas: 1
          maxReplicas: 3
        {{- end }}
        """);
    return chart;
  }
}
