package io.helmop.operator.postrender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.api.v1alpha1.CommonMetadata;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.ImageOverride;
import io.helmop.api.v1alpha1.KustomizePatch;
import io.helmop.api.v1alpha1.KustomizePostRenderer;
import io.helmop.api.v1alpha1.PatchTarget;
import io.helmop.api.v1alpha1.PostRenderer;
import io.helmop.operator.release.PreflightCharts;
import io.helmop.operator.release.RenderedObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostRenderersTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        labels: {app: web, tier: front}
      spec:
        replicas: 1
        template:
          spec:
            initContainers:
              - name: init
                image: busybox:1.36
            containers:
              - name: web
                image: nginx:1.25
                env:
                  - {name: MODE, value: plain}
                ports:
                  - {containerPort: 80}
              - name: sidecar
                image: registry.example:5000/team/proxy@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
      """;
  private static final String SERVICE = """
      apiVersion: v1
      kind: Service
      metadata:
        name: web
        namespace: other
        annotations: {team: blue}
      spec:
        ports: [{port: 80, targetPort: 80}]
      """;
  private static final String HOOK = """
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: migrate
        annotations: {"helm.sh/hook": pre-upgrade}
      spec:
        template:
          spec:
            containers: [{name: migrate, image: nginx:1.25}]
      """;

  private static List<RenderedObject> rendered() throws Exception {
    return List.of(
        new RenderedObject((ObjectNode) YAML.readTree(DEPLOYMENT), "c/templates/deployment.yaml", false),
        new RenderedObject((ObjectNode) YAML.readTree(SERVICE), "c/templates/service.yaml", false),
        new RenderedObject((ObjectNode) YAML.readTree(HOOK), "c/templates/job.yaml", true));
  }

  private static KustomizePatch patch(String patch, PatchTarget target) {
    KustomizePatch p = new KustomizePatch();
    p.setPatch(patch);
    p.setTarget(target);
    return p;
  }

  private static PatchTarget target(String kind, String name) {
    PatchTarget t = new PatchTarget();
    t.setKind(kind);
    t.setName(name);
    return t;
  }

  private static ImageOverride image(String name, String newName, String newTag, String digest) {
    ImageOverride i = new ImageOverride();
    i.setName(name);
    i.setNewName(newName);
    i.setNewTag(newTag);
    i.setDigest(digest);
    return i;
  }

  private static HelmReleaseSpec spec(List<KustomizePatch> patches, List<ImageOverride> images) {
    KustomizePostRenderer kustomize = new KustomizePostRenderer();
    kustomize.setPatches(patches);
    kustomize.setImages(images);
    PostRenderer renderer = new PostRenderer();
    renderer.setKustomize(kustomize);
    HelmReleaseSpec spec = new HelmReleaseSpec();
    spec.setPostRenderers(new ArrayList<>(List.of(renderer)));
    return spec;
  }

  private static List<RenderedObject> apply(HelmReleaseSpec spec) throws Exception {
    return PostRenderers.apply(spec, rendered(), "apps");
  }

  @Test
  void strategicMergeMergesContainersByNameAndKeepsTheRest() throws Exception {
    var out = apply(spec(List.of(patch("""
        spec:
          replicas: 3
          template:
            spec:
              containers:
                - name: web
                  env: [{name: EXTRA, value: "on"}]
                  ports: [{containerPort: 80, name: http}]
        """, target("Deployment", "web"))), null));
    ObjectNode deployment = out.get(0).body();
    assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(3);
    assertThat(deployment.at("/spec/template/spec/containers").size()).isEqualTo(2);
    assertThat(deployment.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("nginx:1.25");
    assertThat(deployment.at("/spec/template/spec/containers/0/env").toString())
        .contains("MODE").contains("EXTRA");
    assertThat(deployment.at("/spec/template/spec/containers/0/ports").toString())
        .isEqualTo("[{\"containerPort\":80,\"name\":\"http\"}]");
    assertThat(out.get(1).body()).isEqualTo(rendered().get(1).body());
  }

  @Test
  void strategicMergeDeleteDirectiveAndNullRemove() throws Exception {
    var out = apply(spec(List.of(patch("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, labels: {tier: null}}
        spec:
          template:
            spec:
              containers:
                - {name: sidecar, $patch: delete}
        """, null)), null));
    ObjectNode deployment = out.get(0).body();
    assertThat(deployment.at("/metadata/labels").toString()).isEqualTo("{\"app\":\"web\"}");
    assertThat(deployment.at("/spec/template/spec/containers").size()).isEqualTo(1);
  }

  @Test
  void jsonPatchAppliesToEveryTargetedObject() throws Exception {
    PatchTarget services = new PatchTarget();
    services.setVersion("v1");
    services.setKind("Service");
    services.setNamespace("oth.*");
    var out = apply(spec(List.of(patch("""
        - {op: replace, path: /spec/ports/0/port, value: 8080}
        - {op: add, path: /metadata/labels, value: {patched: "yes"}}
        """, services)), null));
    assertThat(out.get(1).body().at("/spec/ports/0/port").asInt()).isEqualTo(8080);
    assertThat(out.get(1).body().at("/metadata/labels/patched").asText()).isEqualTo("yes");
  }

  @Test
  void labelAndAnnotationSelectorsChooseObjects() throws Exception {
    PatchTarget front = new PatchTarget();
    front.setLabelSelector("app=web,tier in (front, back),!legacy");
    PatchTarget blue = new PatchTarget();
    blue.setAnnotationSelector("team==blue");
    var out = apply(spec(List.of(
        patch("metadata: {annotations: {front: \"1\"}}", front),
        patch("metadata: {annotations: {blue: \"1\"}}", blue)), null));
    assertThat(out.get(0).body().at("/metadata/annotations").toString()).isEqualTo("{\"front\":\"1\"}");
    assertThat(out.get(1).body().at("/metadata/annotations/blue").asText()).isEqualTo("1");
    assertThat(out.get(2).body().at("/metadata/annotations/front").isMissingNode()).isTrue();
  }

  @Test
  void imageOverridesReachContainersInitContainersAndHooks() throws Exception {
    var out = apply(spec(null, List.of(
        image("nginx", "registry.example/mirror/nginx", "1.27.3", null),
        image("busybox", null, null, "sha256:" + "b".repeat(64)),
        image("registry.example:5000/team/proxy", null, "2.0", null))));
    assertThat(out.get(0).body().at("/spec/template/spec/containers/0/image").asText())
        .isEqualTo("registry.example/mirror/nginx:1.27.3");
    assertThat(out.get(0).body().at("/spec/template/spec/initContainers/0/image").asText())
        .isEqualTo("busybox@sha256:" + "b".repeat(64));
    assertThat(out.get(0).body().at("/spec/template/spec/containers/1/image").asText())
        .isEqualTo("registry.example:5000/team/proxy:2.0");
    assertThat(out.get(2).body().at("/spec/template/spec/containers/0/image").asText())
        .isEqualTo("registry.example/mirror/nginx:1.27.3");
    assertThat(out.get(2).hook()).isTrue();
  }

  @Test
  void commonMetadataGoesOnEveryObjectHooksIncluded() throws Exception {
    HelmReleaseSpec spec = new HelmReleaseSpec();
    CommonMetadata common = new CommonMetadata();
    common.setLabels(Map.of("team", "payments", "app", "override"));
    common.setAnnotations(Map.of("owner", "ops"));
    spec.setCommonMetadata(common);
    var out = apply(spec);
    for (RenderedObject object : out) {
      assertThat(object.body().at("/metadata/labels/team").asText()).isEqualTo("payments");
      assertThat(object.body().at("/metadata/annotations/owner").asText()).isEqualTo("ops");
    }
    assertThat(out.get(0).body().at("/metadata/labels/app").asText()).isEqualTo("override");
    assertThat(out.get(2).annotations()).containsEntry("helm.sh/hook", "pre-upgrade");
  }

  @Test
  void aTargetThatSelectsNothingNamesTheFieldAndTheTarget() {
    assertThatThrownBy(() -> apply(spec(List.of(patch("spec: {replicas: 2}", target("Deployment", "web")),
        patch("spec: {replicas: 2}", target("Deployment", "api"))), null)))
        .isInstanceOf(PostRenderException.class)
        .hasMessageContaining("spec.postRenderers[0].kustomize.patches[1].target (kind=Deployment, name=api)")
        .hasMessageContaining("selects none of the 3 objects");
  }

  @Test
  void aJsonPatchThatDoesNotApplyNamesTheObject() {
    assertThatThrownBy(() -> apply(spec(List.of(patch("[{op: replace, path: /spec/paused, value: true}]",
        target("Deployment", "web"))), null)))
        .isInstanceOf(PostRenderException.class)
        .hasMessageContaining("spec.postRenderers[0].kustomize.patches[0].patch does not apply to Deployment web");
    assertThatThrownBy(() -> apply(spec(List.of(patch("[{op: remove, path: /spec/replicas}]", null)), null)))
        .hasMessageContaining("JSON 6902 patch without a target");
    assertThatThrownBy(() -> apply(spec(List.of(patch("spec: [unclosed", target("Deployment", "web"))), null)))
        .hasMessageContaining("patches[0].patch is not YAML or JSON");
  }

  @Test
  void invalidImageOverridesAreRefusedWithTheValue() {
    assertThatThrownBy(() -> apply(spec(null, List.of(image("nginx", null, null, "sha256:short")))))
        .hasMessageContaining("spec.postRenderers[0].kustomize.images[0].digest 'sha256:short' is not a digest");
    assertThatThrownBy(() -> apply(spec(null, List.of(image("nginx", "Not Valid", null, null)))))
        .hasMessageContaining("images[0].newName 'Not Valid' is not an image name");
    assertThatThrownBy(() -> apply(spec(null, List.of(image("nginx", null, "-bad", null)))))
        .hasMessageContaining("images[0].newTag '-bad'");
    assertThatThrownBy(() -> apply(spec(null, List.of(image("nginx", null, null, null)))))
        .hasMessageContaining("sets none of newName, newTag and digest");
  }

  @Test
  void nothingRequestedLeavesTheDigestInputOut() throws Exception {
    assertThat(PostRenderers.digestInput(new HelmReleaseSpec())).isNull();
    HelmReleaseSpec a = spec(List.of(patch("spec: {replicas: 2}", target("Deployment", "web"))), null);
    HelmReleaseSpec b = spec(List.of(patch("spec: {replicas: 3}", target("Deployment", "web"))), null);
    assertThat(PostRenderers.digestInput(a)).isNotNull().isNotEqualTo(PostRenderers.digestInput(b));
    assertThat(PostRenderers.digestInput(a)).isEqualTo(PostRenderers.digestInput(
        spec(List.of(patch("spec: {replicas: 2}", target("Deployment", "web"))), null)));
  }

  @Test
  void theLiteralTemplateGivesBackTheObjectsBraceForBrace() throws Exception {
    ObjectNode config = (ObjectNode) YAML.readTree("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: tpl}
        data:
          script: "echo {{ .Values.x }} and }} {{- y -}}"
          flag: "on"
          hex: "0x1F"
        """);
    String template = PostRendering.template(List.of(new RenderedObject(config, "c/templates/cm.yaml", false)));
    assertThat(template).doesNotContain("{{ .Values");
    // what Go's template engine makes of {{ "{{" }} is the two braces: undone here the same way
    String rendered = template.replace("{{ \"{{\" }}", "{{").replaceFirst("(?s)\\{\\{- /\\*.*?\\*/ -\\}\\}\\n", "");
    assertThat(PreflightCharts.parse(rendered).get(0).body()).isEqualTo(config);
  }
}
