package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * spec.install.crds and spec.upgrade.crds on the real control plane, with a chart whose next version adds a field
 * to the CRD in its crds/ folder (and sets it on its object): Skip installs no CRD; the default (Create, then Skip)
 * leaves the CRD as the first install made it, so the preflight's dry run refuses the object's new field (Helm
 * alone would silently drop it); CreateReplace brings the chart's CRD before the upgrade, and the field is kept.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the first asserts that no CRD is there; the second makes it
class CrdPolicyIT extends OperatorTest {
  private static final String CRD = "gadgets.crdpolicy.example.com";
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    cluster.kubectl("delete", "crd", CRD, "--ignore-not-found").orFail();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/gadgets"), "0.1.0", "1.0.0")
        .publish(cluster.repo().resolve("e2e/src/test/charts/gadgets-next"), "0.2.0", "1.0.0")
        .publish(cluster.repo().resolve("e2e/src/test/charts/gadget-user"), "0.1.0", "1.0.0"));
  }

  @AfterAll
  static void removeCrd() {
    cluster.kubectl("delete", "crd", CRD, "--ignore-not-found", "--wait=false");
  }

  @Test
  @Order(1)
  void theChartsCrdsAreSkippedCreatedOrReplacedAsTheSpecSays() {
    // Skip: installed without its CRD (the chart's Gadget left out), and no CRD appears
    String skipped = namespace("crds-skip");
    apply(cluster, helmRelease(skipped, "gadgets", repository.url(), "gadgets", "0.1.0", """
        install: {crds: Skip}
        values: {gadget: false}"""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/gadgets", "-n", skipped, "--timeout=180s").orFail();
    assertThat(cluster.kubectl("get", "crd", CRD, "--ignore-not-found", "-o", "name").orFail().output()).isBlank();

    // the default: Helm creates the CRD on install; an upgrade leaves it as it is
    String ns = namespace("crds");
    apply(cluster, helmRelease(ns, "gadgets", repository.url(), "gadgets", "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/gadgets", "-n", ns, "--timeout=180s").orFail();
    assertThat(crdFields()).contains("size").doesNotContain("color");

    apply(cluster, helmRelease(ns, "gadgets", repository.url(), "gadgets", "0.2.0", ""));
    await().atMost(Duration.ofMinutes(2)).until(() -> condition(get(cluster, ns, "gadgets"), "Ready")
        .map(c -> "PreflightFailed".equals(c.getReason()) && c.getMessage().contains(".spec.color")).orElse(false));
    assertThat(crdFields()).as("spec.upgrade.crds defaults to Skip").doesNotContain("color");
    assertThat(get(cluster, ns, "gadgets").getStatus().getLastAppliedRevision()).isEqualTo(1);
    assertThat(gadget(ns, "{.spec.size}")).as("revision 1 keeps serving").isEqualTo("1");

    // CreateReplace: the chart's CRD replaces the installed one before the upgrade, so its objects keep the field
    apply(cluster, helmRelease(ns, "gadgets", repository.url(), "gadgets", "0.2.0", """
        upgrade: {crds: CreateReplace}"""));
    awaitRevision(ns, 2);
    assertThat(gadget(ns, "{.spec.size}")).isEqualTo("2");
    assertThat(crdFields()).contains("size", "color");
    assertThat(gadget(ns, "{.spec.color}")).isEqualTo("blue");
  }

  /**
   * A chart that asks `.Capabilities` (a kubeVersion constraint above Helm's offline default, and an API only a CRD
   * serves) is released as the cluster is, as `helm install` does it: the Gadget is made, and the chart sees the
   * cluster's real version.
   */
  @Test
  @Order(2)
  void aChartSeesTheClustersVersionAndTheApisItsCrdsServe() {
    // the CRD as the test above leaves it, or (run alone) as the gadgets chart has it
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f",
        cluster.repo().resolve("e2e/src/test/charts/gadgets/crds/gadgets.yaml").toString()).orFail();
    cluster.kubectl("wait", "--for=condition=Established", "crd/" + CRD, "--timeout=60s").orFail();
    String ns = namespace("capabilities");
    apply(cluster, helmRelease(ns, "gadgets", repository.url(), "gadget-user", "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/gadgets", "-n", ns, "--timeout=180s").orFail();
    assertThat(gadget(ns, "{.spec.size}")).as("made because the cluster serves the Gadget API").isEqualTo("3");
    String data = cluster.kubectl("get", "configmap", "gadgets", "-n", ns, "-o", "jsonpath={.data}").orFail()
        .output();
    assertThat(data).contains("\"gadgetApi\":\"true\"").contains("\"kubeVersion\":\"v1.33");
  }

  private static void awaitRevision(String ns, int revision) {
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      HelmRelease r = get(cluster, ns, "gadgets");
      return Integer.valueOf(revision).equals(r.getStatus().getLastAppliedRevision())
          && hasCondition(r, "Ready", "True");
    });
  }

  private static String crdFields() {
    return cluster.kubectl("get", "crd", CRD, "-o",
        "jsonpath={.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties}").orFail().output();
  }

  private static String gadget(String ns, String path) {
    return cluster.kubectl("get", "gadget", "gadgets", "-n", ns, "-o", "jsonpath=" + path).orFail().output().strip();
  }
}
