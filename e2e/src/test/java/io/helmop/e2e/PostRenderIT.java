package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * spec.postRenderers and spec.commonMetadata on the real control plane: what they change is on the live objects
 * and in Helm's own record, drift is judged against the post-rendered objects, a changed patch makes exactly one
 * revision, and a patch that selects nothing stalls with the field named while the last release keeps serving.
 */
class PostRenderIT extends OperatorTest {
  static ChartRepository repository;
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/storefront"), "1.0.0", "1.0.0"));
  }

  static String storefront(String ns, int replicas, String deploymentName, String image) {
    return helmRelease(ns, "shop", repository.url(), "storefront", "1.0.0", """
        upgrade: {timeout: 60s}
        commonMetadata:
          labels: {team: payments}
          annotations: {owner: ops}
        postRenderers:
          - kustomize:
              patches:
                - target: {kind: Deployment, name: %s}
                  patch: |
                    spec:
                      replicas: %d
                      template:
                        spec:
                          containers:
                            - name: web
                              env: [{name: EXTRA, value: "yes"}]
                - target: {version: v1, kind: Service, labelSelector: app.kubernetes.io/name=storefront}
                  patch: |
                    - {op: add, path: /metadata/annotations, value: {patched-by: json6902}}
              images:
                - %s
        """.formatted(deploymentName, replicas, image));
  }

  static final String OVERRIDE = "{name: registry.example.com/storefront, newName: mirror.example.com/shop, "
      + "newTag: \"2.0.0\"}";

  @Test
  void patchesImagesAndCommonMetadataAreLiveInHelmsRecordAndHealedAfterAnEdit() throws Exception {
    String ns = namespace("postrender");
    apply(cluster, storefront(ns, 2, "shop-web", OVERRIDE));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/shop", "-n", ns, "--timeout=180s").orFail();

    Deployment web = cluster.client().apps().deployments().inNamespace(ns).withName("shop-web").get();
    assertThat(web.getSpec().getReplicas()).isEqualTo(2);
    var container = web.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("mirror.example.com/shop:2.0.0");
    assertThat(container.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly("MODE=plain", "EXTRA=yes");
    assertThat(web.getMetadata().getLabels()).containsEntry("team", "payments");
    assertThat(web.getMetadata().getAnnotations()).containsEntry("owner", "ops");
    var service = cluster.client().services().inNamespace(ns).withName("shop-web").get();
    assertThat(service.getMetadata().getAnnotations()).containsEntry("patched-by", "json6902")
        .containsEntry("owner", "ops");
    var greeting = cluster.client().configMaps().inNamespace(ns).withName("shop-greeting").get();
    assertThat(greeting.getMetadata().getLabels()).containsEntry("team", "payments");
    assertThat(greeting.getData()).as("template braces in the chart's output stay as they are")
        .containsEntry("greeting", "Hello {{ name }}");
    var seed = cluster.client().batch().v1().jobs().inNamespace(ns).withName("shop-seed").get();
    assertThat(seed.getMetadata().getLabels()).as("hooks are post-rendered too").containsEntry("team", "payments");
    assertThat(seed.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("mirror.example.com/shop:2.0.0");

    String manifest = cluster.helm("get", "manifest", "shop", "-n", ns).orFail().output();
    System.out.println("helm get manifest shop (post-rendered):\n" + manifest);
    assertThat(manifest).contains("mirror.example.com/shop:2.0.0").contains("EXTRA").contains("json6902")
        .contains("payments").contains("Hello {{ name }}");
    String hooks = cluster.helm("get", "hooks", "shop", "-n", ns).orFail().output();
    assertThat(hooks).contains("mirror.example.com/shop:2.0.0").contains("payments");
    assertThat(cluster.helm("get", "notes", "shop", "-n", ns).orFail().output())
        .as("NOTES.txt still renders, with its helpers").contains("Storefront registry.example.com/storefront:1.0.0");
    JsonNode chart = JSON.readTree(cluster.helm("list", "-n", ns, "-o", "json").orFail().output()).get(0);
    assertThat(chart.path("chart").asText()).isEqualTo("storefront-1.0.0");

    // a person's edit of a post-rendered field is drift, put back to the post-rendered value
    cluster.kubectl("scale", "deployment/shop-web", "-n", ns, "--replicas=5").orFail();
    await().atMost(Duration.ofMinutes(1)).until(() -> Integer.valueOf(2).equals(cluster.client().apps()
        .deployments().inNamespace(ns).withName("shop-web").get().getSpec().getReplicas()));
    awaitEvents(ns, "shop", "DriftCorrected");
    assertThat(revisions(ns)).as("healed without a Helm revision").isEqualTo(1);

    // a changed patch is one upgrade; after it, nothing more
    apply(cluster, storefront(ns, 3, "shop-web", OVERRIDE));
    await().atMost(Duration.ofMinutes(2)).until(() -> revisions(ns) == 2 && Integer.valueOf(3).equals(cluster
        .client().apps().deployments().inNamespace(ns).withName("shop-web").get().getSpec().getReplicas()));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/shop", "-n", ns, "--timeout=120s").orFail();
    reconcileNow(ns, "settled");
    assertThat(revisions(ns)).as("an unchanged post-renderer makes no revision").isEqualTo(2);
  }

  /**
   * spec.install.disableHooks (helm install --no-hooks): Helm gets the chart without its hooks, so the post-install
   * Job is never made, while the same chart without the switch makes it (the release above).
   */
  @Test
  void anInstallWithDisableHooksRunsNoHook() throws Exception {
    String ns = namespace("nohooks");
    apply(cluster, helmRelease(ns, "shop", repository.url(), "storefront", "1.0.0", """
        install: {disableHooks: true}"""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/shop", "-n", ns, "--timeout=180s").orFail();
    assertThat(cluster.client().apps().deployments().inNamespace(ns).withName("shop-web").get()).isNotNull();
    assertThat(cluster.client().batch().v1().jobs().inNamespace(ns).withName("shop-seed").get())
        .as("the post-install hook did not run").isNull();
    assertThat(cluster.helm("get", "hooks", "shop", "-n", ns).orFail().output()).doesNotContain("shop-seed");
    assertThat(revisions(ns)).isEqualTo(1);
  }

  @Test
  void aPatchThatSelectsNothingStallsNamingTheFieldAndTheLastReleaseServes() throws Exception {
    String ns = namespace("postrender");
    apply(cluster, storefront(ns, 2, "shop-web", OVERRIDE));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/shop", "-n", ns, "--timeout=180s").orFail();

    apply(cluster, storefront(ns, 4, "shop-api", OVERRIDE));
    var ready = awaitReadyFalse(ns, "shop", "PostRenderFailed");
    System.out.println("Ready: " + ready.getMessage());
    assertThat(ready.getMessage()).contains("spec.postRenderers[0].kustomize.patches[0].target "
        + "(kind=Deployment, name=shop-api) selects none of the").contains("last good release keeps serving");
    assertThat(condition(get(cluster, ns, "shop"), "Stalled").orElseThrow().getStatus()).isEqualTo("True");

    reconcileNow(ns, "stalled");
    assertThat(revisions(ns)).as("no Helm revision for a post-renderer that cannot apply").isEqualTo(1);
    assertThat(awaitEvents(ns, "shop", "PostRenderFailed")).filteredOn(e -> "PostRenderFailed".equals(e.getReason()))
        .as("one Event").hasSize(1);
    assertThat(cluster.client().apps().deployments().inNamespace(ns).withName("shop-web").get().getSpec()
        .getReplicas()).as("the last good release keeps serving").isEqualTo(2);

    // an invalid image override is named with its value, too
    apply(cluster, storefront(ns, 4, "shop-web", "{name: registry.example.com/storefront, digest: sha256:abc}"));
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "shop"), "Ready")
        .map(c -> c.getMessage().contains("spec.postRenderers[0].kustomize.images[0].digest 'sha256:abc' is not "
            + "a digest")).orElse(false));
    assertThat(revisions(ns)).isEqualTo(1);

    apply(cluster, storefront(ns, 4, "shop-web", "{name: registry.example.com/storefront, digest: " + DIGEST + "}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/shop", "-n", ns, "--timeout=120s").orFail();
    assertThat(revisions(ns)).as("the fixed spec is one upgrade").isEqualTo(2);
    assertThat(cluster.client().apps().deployments().inNamespace(ns).withName("shop-web").get().getSpec()
        .getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/storefront@" + DIGEST);
  }

  /** Positive evidence for "nothing more happened": one more whole reconcile, answered in status. */
  private static void reconcileNow(String ns, String token) {
    cluster.kubectl("annotate", "--overwrite", "helmrelease", "shop", "-n", ns,
        "reconcile.helmop.io/requestedAt=" + token).orFail();
    await().atMost(Duration.ofMinutes(1)).until(() -> token.equals(get(cluster, ns, "shop").getStatus()
        .getLastHandledReconcileAt()));
  }

  private static int revisions(String ns) throws Exception {
    return JSON.readTree(cluster.helm("history", "shop", "-n", ns, "-o", "json").orFail().output()).size();
  }
}
