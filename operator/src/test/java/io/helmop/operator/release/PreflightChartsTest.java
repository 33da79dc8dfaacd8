package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.lifecycle.SignalHandlers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * helm-java's template() leaves hooks out; the preflight's render (real Helm) brings them back through a working
 * copy of the chart: hooks from helper templates and from subchart archives, each once, with their annotations
 * and the template they came from, while the chart itself stays untouched.
 */
class PreflightChartsTest {
  @TempDir
  Path dir;
  Path chart;
  HelmJavaEngine helm;

  @BeforeEach
  void setUp() throws IOException {
    helm = new HelmJavaEngine(HelmKubeconfig.fromFile(null), SignalHandlers.captureJvmHandlers(), dir.resolve("work"));
    chart = dir.resolve("shop");
    write(chart, "Chart.yaml", """
        apiVersion: v2
        name: shop
        version: 1.0.0
        dependencies: [{name: db, version: 0.1.0}]
        """);
    write(chart, "values.yaml", "replicas: 1\nmigration: {deadline: 300}\n");
    write(chart, "templates/_helpers.tpl", """
        {{- define "shop.hook" -}}
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {{ .name }}
          annotations:
            "helm.sh/hook": {{ .events }}
            "helm.sh/hook-delete-policy": before-hook-creation
        spec:
          activeDeadlineSeconds: {{ .deadline }}
          template: {spec: {restartPolicy: Never, containers: [{name: job, image: "shop:1.0"}]}}
        {{- end -}}
        """);
    write(chart, "templates/jobs.yaml", """
        {{ include "shop.hook" (dict "name" "shop-migrate" "events" "pre-install,pre-upgrade"
              "deadline" .Values.migration.deadline) }}
        ---
        {{ include "shop.hook" (dict "name" "shop-smoke" "events" "post-install" "deadline" 60) }}
        """);
    write(chart, "templates/deployment.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop}
        spec:
          replicas: {{ .Values.replicas }}
          selector: {matchLabels: {app: shop}}
          template:
            metadata: {labels: {app: shop}}
            spec: {containers: [{name: shop, image: "shop:1.0"}]}
        """);
    write(chart, "templates/configmap.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shop-docs}
        data: {hint: "hooks carry the helm.sh/hook annotation"}
        """);
    write(chart, "templates/NOTES.txt", "Installed {{ .Release.Name }}.\n");
    write(chart, "crds/widget.yaml", """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.shop.example.com}
        spec:
          group: shop.example.com
          names: {kind: Widget, plural: widgets}
          scope: Namespaced
          versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
        """);
    Path db = dir.resolve("db");
    write(db, "Chart.yaml", "apiVersion: v2\nname: db\nversion: 0.1.0\n");
    write(db, "templates/init.yaml", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{ .Release.Name }}-db-test
          annotations: {"helm.sh/hook": test}
        spec: {containers: [{name: test, image: "db:1.0"}]}
        """);
    Files.createDirectories(chart.resolve("charts"));
    new Helm(db).packageIt().withDestination(chart.resolve("charts")).call();
  }

  static void write(Path chart, String file, String content) throws IOException {
    Files.createDirectories(chart.resolve(file).getParent());
    Files.writeString(chart.resolve(file), content);
  }

  ReleaseRequest request(Path chartPath, Map<String, Object> values) {
    return new ReleaseRequest("shop", "apps", chartPath, values, true, true, Duration.ofMinutes(5), false, true);
  }

  @Test
  void hooksFromHelpersAndSubchartArchivesAreRenderedOnceWithTheirAnnotations() throws Exception {
    Path archive = packaged();

    RenderedRelease rendered = helm.render(request(archive, Map.of("migration", Map.of("deadline", 120))),
        "v1.33.0");

    assertThat(rendered.hooksRendered()).isTrue();
    assertThat(rendered.objects()).filteredOn(o -> !o.hook()).extracting(RenderedObject::describe)
        .containsExactlyInAnyOrder("Deployment shop", "ConfigMap shop-docs");
    assertThat(rendered.hooks()).extracting(RenderedObject::describe, RenderedObject::source).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple("hook Job shop-migrate", "shop/templates/jobs.yaml"),
        org.assertj.core.groups.Tuple.tuple("hook Job shop-smoke", "shop/templates/jobs.yaml"),
        org.assertj.core.groups.Tuple.tuple("hook Pod shop-db-test", "shop/charts/db/templates/init.yaml"));
    RenderedObject migrate = rendered.hooks().stream().filter(h -> h.name().equals("shop-migrate")).findFirst()
        .orElseThrow();
    assertThat(migrate.annotations()).containsEntry("helm.sh/hook", "pre-install,pre-upgrade")
        .containsEntry("helm.sh/hook-delete-policy", "before-hook-creation")
        .doesNotContainKey("helmop.io/preflight-hook");
    assertThat(migrate.body().at("/spec/activeDeadlineSeconds").asInt()).as("the release's values").isEqualTo(120);
    assertThat(rendered.chartValues()).containsEntry("replicas", 1);
    assertThat(rendered.chartCrds()).extracting(c -> c.at("/spec/names/kind").asText()).containsExactly("Widget");
  }

  @Test
  void aGzipBombStopsAtTheBoundAndLeavesNothingBehind() throws Exception {
    long huge = 1024L * 1024 * 1024; // 1 GiB of zeros in one file, about 1 MiB gzipped
    Path bomb = dir.resolve("bomb-1.0.0.tgz");
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
        new java.util.zip.GZIPOutputStream(Files.newOutputStream(bomb)))) {
      tar.setBigNumberMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.BIGNUMBER_POSIX);
      var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("bomb/templates/big.yaml");
      entry.setSize(huge);
      tar.putArchiveEntry(entry);
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < huge; written += zeros.length) {
        tar.write(zeros);
      }
      tar.closeArchiveEntry();
    }
    Path root = dir.resolve("copies");
    assertThatThrownBy(() -> new PreflightCharts(root, 4).prepare(bomb, false))
        .isInstanceOf(IOException.class).hasMessageContaining("unpacks to more than");
    try (var files = Files.walk(root)) {
      long left = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      System.out.printf("a gzip bomb of %d bytes (1 GiB unpacked) left %d bytes behind%n", Files.size(bomb), left);
      assertThat(left).isZero();
    }
  }

  @Test
  void aChartFolderWorksTooAndIsLeftAsItWas() throws Exception {
    List<String> before = files(chart);

    RenderedRelease rendered = helm.render(request(chart, Map.of()), "v1.33.0");

    assertThat(rendered.hooks()).hasSize(3);
    assertThat(files(chart)).isEqualTo(before);
  }

  @Test
  void aChartWithoutHooksRendersAsItIs() throws Exception {
    Path plain = dir.resolve("plain");
    write(plain, "Chart.yaml", "apiVersion: v2\nname: plain\nversion: 1.0.0\n");
    write(plain, "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n");

    RenderedRelease rendered = helm.render(request(plain, Map.of()), null);

    assertThat(rendered.objects()).extracting(RenderedObject::describe).containsExactly("ConfigMap plain");
  }

  @Test
  void aTemplateErrorIsHelmsOwnMessageAboutTheChartsTemplate() throws Exception {
    write(chart, "templates/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.x.y }}\n");

    assertThatThrownBy(() -> helm.render(request(chart, Map.of()), "v1.33.0"))
        .isInstanceOf(HelmException.class)
        .hasMessageContaining("shop/templates/broken.yaml:4")
        .hasMessageNotContaining("zz-helmop");
  }

  @Test
  void theKubeVersionIsTheClustersNotHelmsDefault() throws Exception {
    write(chart, "Chart.yaml", """
        apiVersion: v2
        name: shop
        version: 1.0.0
        kubeVersion: ">=1.30.0-0"
        dependencies: [{name: db, version: 0.1.0}]
        """);

    assertThat(helm.render(request(chart, Map.of()), "v1.33.2").objects()).isNotEmpty();
    assertThatThrownBy(() -> helm.render(request(chart, Map.of()), null)).hasMessageContaining("kubeVersion");
  }

  @Test
  void lintReadsTheReleasesValues() throws Exception {
    // lint makes required and fail lenient; a Deployment without a selector it does report
    write(chart, "templates/legacy.yaml", """
        {{- if .Values.legacy }}
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: legacy}
        spec:
          template: {spec: {containers: [{name: legacy, image: "legacy:1.0"}]}}
        {{- end }}
        """);

    assertThat(helm.lint(request(chart, Map.of())).messages()).noneMatch(m -> m.startsWith("[ERROR]"));
    assertThat(helm.lint(request(chart, Map.of("legacy", true))).messages()).anyMatch(m -> m.startsWith("[ERROR]")
        && m.contains("templates/legacy.yaml"));
  }

  Path packaged() {
    new Helm(chart).packageIt().withDestination(dir).call();
    return dir.resolve("shop-1.0.0.tgz");
  }

  static List<String> files(Path folder) throws IOException {
    try (var walk = Files.walk(folder)) {
      return walk.map(p -> folder.relativize(p).toString()).sorted().toList();
    }
  }
}
