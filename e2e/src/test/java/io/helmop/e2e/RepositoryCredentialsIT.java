package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An HTTP chart repository behind basic auth, with its credentials in the Secret named by spec.chart.secretRef. */
class RepositoryCredentialsIT extends OperatorTest {
  static final String PASSWORD = "repo-pa55-never-printed-3c9d";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    startOperator(ChartRepository.withPassword(cluster, "reader", PASSWORD)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0"));
  }

  @Test
  void basicAuthFromTheSecretWorksAndWrongCredentialsLeaveTheLastGoodReleaseAlone() {
    String ns = cluster.createNamespace("repo-auth");
    cluster.kubectlWithInput("""
        apiVersion: v1
        kind: Secret
        metadata: {name: charts}
        stringData: {username: reader, password: %s}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: stale-charts}
        stringData: {username: reader, password: rotated-%s}
        """.formatted(PASSWORD, PASSWORD), "apply", "-n", ns, "-f", "-").orFail();
    String release = helmRelease(ns, "private", repository.url(), "0.1.0", "values: {fullnameOverride: private}");
    apply(cluster, withSecretRef(release, "charts")
        + "---\n" + helmRelease(ns, "anonymous", repository.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/private", "-n", ns, "--timeout=180s").orFail();
    assertThat(cluster.helm("list", "-n", ns, "-o", "json").orFail().output()).contains("\"chart\":\"hello-0.1.0\"");
    assertThat(awaitReadyFalse(ns, "anonymous").getMessage()).contains("requires credentials",
        "spec.chart.secretRef");

    // pointed at a Secret with a wrong password: Ready=False naming the field; revision 1 keeps serving
    apply(cluster, withSecretRef(release, "stale-charts"));
    assertThat(awaitReadyFalse(ns, "private").getMessage())
        .contains("spec.chart.secretRef", "Secret " + ns + "/stale-charts", "HTTP 401");
    assertThat(cluster.helm("history", "private", "-n", ns, "-o", "json").orFail().output())
        .contains("\"revision\":1", "\"status\":\"deployed\"").doesNotContain("\"revision\":2");
    assertThat(get(cluster, ns, "private").getStatus().getLastAppliedRevision()).isEqualTo(1);

    assertThat(cluster.kubectl("get", "helmrelease", "-n", ns, "-o", "yaml").orFail().output())
        .doesNotContain(PASSWORD);
    assertThat(cluster.kubectl("get", "events", "-n", ns, "-o", "yaml").orFail().output())
        .contains("RepositoryAuthFailed").doesNotContain(PASSWORD);
    assertThat(operator.log()).doesNotContain(PASSWORD);
  }

  static String withSecretRef(String release, String secret) {
    return release.replace("    version:", "    secretRef: {name: " + secret + "}\n    version:");
  }

  private static Condition awaitReadyFalse(String ns, String name) {
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, name), "Ready")
        .map(c -> "False".equals(c.getStatus()) && "RepositoryAuthFailed".equals(c.getReason())).orElse(false));
    return condition(get(cluster, ns, name), "Ready").orElseThrow();
  }
}
