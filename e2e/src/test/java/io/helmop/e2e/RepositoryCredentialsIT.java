package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static io.helmop.e2e.support.HelmReleases.withSecretRef;
import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An HTTP chart repository behind basic auth, with its credentials in the Secret named by spec.chart.secretRef. */
class RepositoryCredentialsIT extends OperatorTest {
  static ChartRepository repository;
  static final String PASSWORD = "repo-pa55-never-printed-3c9d";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(ChartRepository.withPassword(cluster, "reader", PASSWORD)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0"));
  }

  @Test
  void basicAuthFromTheSecretWorksAndWrongCredentialsLeaveTheLastGoodReleaseAlone() {
    String ns = namespace("repo-auth");
    createCredentials(ns, "charts", PASSWORD);
    createCredentials(ns, "stale-charts", "rotated-" + PASSWORD);
    String release = helmRelease(ns, "private", repository.url(), "0.1.0", "values: {fullnameOverride: private}");
    apply(cluster, withSecretRef(release, "charts")
        + "---\n" + helmRelease(ns, "anonymous", repository.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/private", "-n", ns, "--timeout=180s").orFail();
    assertThat(cluster.helm("list", "-n", ns, "-o", "json").orFail().output()).contains("\"chart\":\"hello-0.1.0\"");
    assertThat(awaitReadyFalse(ns, "anonymous", "RepositoryAuthFailed").getMessage()).contains("requires credentials",
        "spec.chart.secretRef");

    // pointed at a Secret with a wrong password: Ready=False naming the field; revision 1 keeps serving
    apply(cluster, withSecretRef(release, "stale-charts"));
    assertThat(awaitReadyFalse(ns, "private", "RepositoryAuthFailed").getMessage())
        .contains("spec.chart.secretRef", "Secret " + ns + "/stale-charts", "HTTP 401");
    assertThat(cluster.helm("history", "private", "-n", ns, "-o", "json").orFail().output())
        .contains("\"revision\":1", "\"status\":\"deployed\"").doesNotContain("\"revision\":2");
    assertThat(get(cluster, ns, "private").getStatus().getLastAppliedRevision()).isEqualTo(1);

    assertShownNowhere(ns, PASSWORD, "RepositoryAuthFailed");
  }
}
