package io.helmop.operator.postrender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.helmop.api.v1alpha1.CommonMetadata;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.KustomizePatch;
import io.helmop.api.v1alpha1.KustomizePostRenderer;
import io.helmop.api.v1alpha1.PatchTarget;
import io.helmop.api.v1alpha1.PostRenderer;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.lifecycle.SignalHandlers;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmJavaEngine;
import io.helmop.operator.release.RenderedRelease;
import java.util.function.BooleanSupplier;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedObject;
import io.helmop.operator.source.ResolvedChart;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The derived chart, rendered by real Helm, gives back exactly the post-rendered objects and hooks (template
 * braces in the chart's output included), keeps the chart's identity, CRDs, helpers and NOTES.txt, and drops the
 * templates it replaces.
 */
class PostRenderingTest {
  @TempDir
  Path dir;
  HelmJavaEngine helm;
  Path chart;

  @BeforeEach
  void setUp() throws IOException {
    helm = new HelmJavaEngine(HelmKubeconfig.fromFile(null), SignalHandlers.captureJvmHandlers(),
        dir.resolve("work"));
    chart = dir.resolve("shop");
    write("Chart.yaml", "apiVersion: v2\nname: shop\nversion: 1.2.3\nappVersion: \"9.9\"\n"
        + "dependencies: [{name: db, version: 0.1.0, condition: db.enabled}]\n");
    write("values.yaml", "replicas: 1\ngreeting: \"Hello {{ name }}\"\ndb: {enabled: true}\n");
    write("templates/_helpers.tpl", "{{- define \"shop.name\" -}}shop-{{ .Release.Name }}{{- end -}}\n");
    write("templates/deployment.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: {{ include "shop.name" . }}}
        spec:
          replicas: {{ .Values.replicas }}
          selector: {matchLabels: {app: shop}}
          template:
            metadata: {labels: {app: shop}}
            spec: {containers: [{name: shop, image: "shop:1.0"}]}
        """);
    write("templates/configmap.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shop-greeting}
        data:
          greeting: {{ .Values.greeting | quote }}
          enabled: "on"
          hex: "0x1F"
          # what the post-rendered chart fixes at render time (the trade-off docs/postrender.md describes)
          upgrade: {{ .Release.IsUpgrade | quote }}
          revision: {{ .Release.Revision | quote }}
        """);
    write("templates/hook.yaml", """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: shop-migrate
          annotations: {"helm.sh/hook": pre-upgrade, "helm.sh/hook-weight": "-5"}
        spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: "shop:1.0"}]}}}
        """);
    write("templates/NOTES.txt", "Installed {{ include \"shop.name\" . }}.\n");
    write("crds/widget.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        + "metadata: {name: widgets.example.com}\n");
    write("charts/db/Chart.yaml", "apiVersion: v2\nname: db\nversion: 0.1.0\n");
    write("charts/db/templates/_db.tpl", "{{- define \"db.name\" -}}db{{- end -}}\n");
    write("charts/db/templates/service.yaml", """
        apiVersion: v1
        kind: Service
        metadata: {name: {{ include "db.name" . }}}
        spec: {ports: [{port: 5432}]}
        """);
  }

  /** helm-java's render, in this JVM (the operator runs it in worker processes). */
  private HelmEngine engine() {
    return new HelmEngine() {
      @Override
      public void install(ReleaseRequest request, String description, BooleanSupplier superseded) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void upgrade(ReleaseRequest request, String description, BooleanSupplier superseded) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void uninstall(String releaseName, String namespace) {
        throw new UnsupportedOperationException();
      }

      @Override
      public RenderedRelease render(ReleaseRequest request, String kubeVersion) {
        return helm.render(request, kubeVersion);
      }

      @Override
      public LintReport lint(ReleaseRequest request) {
        throw new UnsupportedOperationException();
      }
    };
  }

  private void write(String file, String content) throws IOException {
    Path path = chart.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
  }

  private HelmRelease release(String patch, String targetName) {
    PatchTarget target = new PatchTarget();
    target.setKind("Deployment");
    target.setName(targetName);
    KustomizePatch p = new KustomizePatch();
    p.setPatch(patch);
    p.setTarget(target);
    KustomizePostRenderer kustomize = new KustomizePostRenderer();
    kustomize.setPatches(List.of(p));
    PostRenderer renderer = new PostRenderer();
    renderer.setKustomize(kustomize);
    CommonMetadata common = new CommonMetadata();
    common.setLabels(Map.of("team", "payments"));
    HelmReleaseSpec spec = new HelmReleaseSpec();
    spec.setPostRenderers(List.of(renderer));
    spec.setCommonMetadata(common);
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMeta());
    release.getMetadata().setName("shop");
    release.getMetadata().setNamespace("apps");
    release.setSpec(spec);
    return release;
  }

  private DesiredRelease desired(Path chartPath) {
    ReleaseRequest request = new ReleaseRequest("web", "apps", chartPath, Map.of("replicas", 2), true, true,
        Duration.ofMinutes(1), false, true);
    return DesiredRelease.of(new ResolvedChart("shop", "1.2.3", "9.9", chartPath, "sha256:abc"), request);
  }

  @Test
  void theDerivedChartRendersToThePostRenderedObjects() throws Exception {
    PostRendering postRendering = new PostRendering(engine(), () -> "v1.33.0", dir.resolve("post"));
    HelmRelease release = release("spec: {replicas: 7}", "shop-web");
    DesiredRelease original = desired(chart);
    List<RenderedObject> expected = PostRenderers.apply(release.getSpec(),
        helm.render(original.request(), "v1.33.0").objects(), "apps");

    try (PostRendering.Prepared prepared = postRendering.prepare(release, original)) {
      DesiredRelease derived = prepared.desired();
      assertThat(derived.digest()).isEqualTo(original.digest());
      Path archive = derived.request().chart();
      assertThat(entries(archive)).contains("shop/Chart.yaml", "shop/values.yaml", "shop/crds/widget.yaml",
          "shop/templates/_helpers.tpl", "shop/templates/NOTES.txt", "shop/charts/db/Chart.yaml",
          "shop/charts/db/templates/_db.tpl", "shop/templates/" + PostRendering.TEMPLATE)
          .doesNotContain("shop/templates/deployment.yaml", "shop/templates/hook.yaml",
              "shop/charts/db/templates/service.yaml");

      List<RenderedObject> rendered = helm.render(derived.request(), "v1.33.0").objects();
      System.out.println(new String(read(archive, "shop/templates/" + PostRendering.TEMPLATE)));
      assertThat(rendered).extracting(RenderedObject::body)
          .containsExactlyInAnyOrderElementsOf(expected.stream().map(RenderedObject::body).toList());
      assertThat(rendered).filteredOn(RenderedObject::hook).extracting(RenderedObject::name)
          .containsExactly("shop-migrate");
      RenderedObject deployment = rendered.stream().filter(o -> o.kind().equals("Deployment")).findFirst()
          .orElseThrow();
      assertThat(deployment.body().at("/spec/replicas").asInt()).isEqualTo(7);
      assertThat(deployment.body().at("/metadata/labels/team").asText()).isEqualTo("payments");
      RenderedObject config = rendered.stream().filter(o -> o.kind().equals("ConfigMap")).findFirst()
          .orElseThrow();
      assertThat(config.body().at("/data/greeting").asText()).isEqualTo("Hello {{ name }}");
      assertThat(config.body().at("/data/enabled").isTextual()).isTrue();
      assertThat(config.body().at("/data/hex").asText()).isEqualTo("0x1F");
      assertThat(config.body().at("/data").toString()).as("rendered as a first install")
          .contains("\"upgrade\":\"false\"", "\"revision\":\"1\"");
      assertThat(Files.exists(archive)).isTrue();
      prepared.close();
      assertThat(Files.exists(archive)).as("removed once Helm is done").isFalse();
    }
  }

  @Test
  void nothingRequestedHandsHelmTheChartItself() throws Exception {
    PostRendering postRendering = new PostRendering(engine(), () -> null, dir.resolve("post"));
    HelmRelease release = release("spec: {replicas: 7}", "shop-web");
    release.getSpec().setPostRenderers(new ArrayList<>());
    release.getSpec().setCommonMetadata(null);
    DesiredRelease original = desired(chart);
    try (PostRendering.Prepared prepared = postRendering.prepare(release, original)) {
      assertThat(prepared.desired()).isSameAs(original);
    }
  }

  @Test
  void aTargetThatSelectsNothingStallsTheRelease() {
    PostRendering postRendering = new PostRendering(engine(), () -> null, dir.resolve("post"));
    assertThatThrownBy(() -> postRendering.prepare(release("spec: {replicas: 7}", "shop-api"), desired(chart)))
        .isInstanceOf(ReconcileFailure.class)
        .hasMessageContaining("spec.postRenderers[0].kustomize.patches[0].target (kind=Deployment, name=shop-api)")
        .hasMessageContaining("the last good release keeps serving")
        .extracting(e -> ((ReconcileFailure) e).kind()).isEqualTo(ReconcileFailure.Kind.STALL);
  }

  private static List<String> entries(Path archive) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = Files.newInputStream(archive);
        var tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        names.add(entry.getName());
      }
    }
    return names;
  }

  private static byte[] read(Path archive, String name) throws IOException {
    try (InputStream in = Files.newInputStream(archive);
        var tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        if (entry.getName().equals(name)) {
          return tar.readAllBytes();
        }
      }
    }
    throw new IOException(name + " not in " + archive);
  }
}
