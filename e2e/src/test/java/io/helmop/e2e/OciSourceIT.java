package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static io.helmop.e2e.support.HelmReleases.withSecretRef;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OciRegistry;
import io.helmop.e2e.support.OperatorTest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Charts in OCI registries: a real CNCF distribution registry on 127.0.0.1 (built by e2e/cluster.sh), charts pushed with `helm push`. */
class OciSourceIT extends OperatorTest {
  static final String PASSWORD = "oci-pa55-never-printed";
  static OciRegistry open;
  static OciRegistry locked;
  static Path hello;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    hello = cluster.repo().resolve("examples/charts/hello");
    open = OciRegistry.anonymous(cluster).push(hello, "0.1.0", "1.0.0");
    locked = OciRegistry.withPassword(cluster, "reader", PASSWORD).push(hello, "0.1.0", "1.0.0");
    startOperator(); // charts come from the registries, not from a chart repository
  }

  @AfterAll
  static void stopRegistries() {
    open.close();
    locked.close();
  }

  @Test
  void installsFromOciAndUpgradesWhenANewerMatchingTagIsPushed() {
    String ns = namespace("oci");
    apply(cluster, helmRelease(ns, "web", open.url(), "0.x", """
        interval: 5s
        values: {fullnameOverride: web}"""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    assertThat(get(cluster, ns, "web").getStatus().getChart()).isEqualTo("hello-0.1.0");
    assertThat(cluster.helm("list", "-n", ns, "-o", "json").orFail().output()).contains("\"chart\":\"hello-0.1.0\"");

    // 1.0.0 is outside the constraint; 0.2.0 is picked up at the next interval
    open.push(hello, "1.0.0", "2.0.0").push(hello, "0.2.0", "1.1.0");
    await().atMost(Duration.ofMinutes(2)).until(() ->
        Integer.valueOf(2).equals(get(cluster, ns, "web").getStatus().getLastAppliedRevision()));
    assertThat(get(cluster, ns, "web").getStatus().getChart()).isEqualTo("hello-0.2.0");
    assertThat(cluster.helm("list", "-n", ns, "-o", "json").orFail().output())
        .contains("\"chart\":\"hello-0.2.0\"", "\"app_version\":\"1.1.0\"");
  }

  @Test
  void badReferencesSayWhichFieldToFix() {
    String ns = namespace("oci-bad");
    apply(cluster, helmRelease(ns, "no-version", open.url(), "9.x", "")
        + "---\n" + helmRelease(ns, "no-chart", open.url(), "nothing-here", "", "")
        + "---\n" + helmRelease(ns, "no-registry", "oci://127.0.0.1:1/charts", "", ""));

    assertThat(awaitReadyFalse(ns, "no-version", "ChartVersionNotFound").getMessage())
        .contains("spec.chart.version", "9.x", "0.1.0");
    assertThat(awaitReadyFalse(ns, "no-chart", "ChartNotFound").getMessage())
        .contains("spec.chart.name", "charts/nothing-here");
    assertThat(awaitReadyFalse(ns, "no-registry", "RepositoryUnavailable").getMessage())
        .contains("spec.chart.repository", "oci://127.0.0.1:1/charts");
    assertThat(condition(get(cluster, ns, "no-version"), "Stalled").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).isBlank();
  }

  @Test
  void aPasswordProtectedRegistryNeedsTheSecretAndWrongCredentialsLeaveTheReleaseAlone() {
    String ns = namespace("oci-auth");
    createCredentials(ns, "registry", PASSWORD);
    createCredentials(ns, "stale-registry", "wrong-" + PASSWORD);
    String release = helmRelease(ns, "private", locked.url(), "0.1.0", """
        values: {fullnameOverride: private}""");
    apply(cluster, withSecretRef(release, "registry")
        + "---\n" + helmRelease(ns, "anonymous", locked.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/private", "-n", ns, "--timeout=180s").orFail();
    assertThat(awaitReadyFalse(ns, "anonymous", "RepositoryAuthFailed").getMessage())
        .contains("requires credentials", "spec.chart.secretRef");

    // the Secret named now holds a wrong password: Ready=False naming the field, no Helm call, revision 1 serves
    apply(cluster, withSecretRef(release, "stale-registry"));
    assertThat(awaitReadyFalse(ns, "private", "RepositoryAuthFailed").getMessage())
        .contains("spec.chart.secretRef", "Secret " + ns + "/stale-registry", "HTTP 401");
    assertThat(cluster.helm("history", "private", "-n", ns, "-o", "json").orFail().output())
        .contains("\"revision\":1").doesNotContain("\"revision\":2").contains("\"status\":\"deployed\"");
    assertThat(get(cluster, ns, "private").getStatus().getLastAppliedRevision()).isEqualTo(1);

    assertShownNowhere(ns, PASSWORD, "RepositoryAuthFailed");
  }
}
