package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A team moves a release it installed with `helm install` under helmop: no reinstall, revisions continue. */
class AdoptionIT extends OperatorTest {
  static ChartRepository repository;
  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/ledger-service"), "1.0.0", "1.0.0"));
  }

  @Test
  void releaseInstalledWithTheHelmCliIsAdoptedAndUpgradedAsItsNextRevision() throws Exception {
    String ns = namespace("adopt");
    cluster.helm("install", "ledger", "ledger-service", "--repo", repository.url(), "--version", "1.0.0",
        "-n", ns, "--set", "message=one", "--wait", "--timeout", "2m").orFail();
    String deploymentUid = deploymentUid(ns);

    apply(cluster, helmRelease(ns, "ledger", repository.url(), "ledger-service", "1.0.0", "values: {message: two}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();

    HelmRelease adopted = get(cluster, ns, "ledger");
    assertThat(adopted.getStatus().getLastAppliedRevision()).isEqualTo(2);
    JsonNode history = new ObjectMapper().readTree(cluster.helm("history", "ledger", "-n", ns, "-o", "json")
        .orFail().output());
    assertThat(history).extracting(h -> h.path("status").asText()).containsExactly("superseded", "deployed");
    assertThat(deploymentUid(ns)).as("the Deployment was upgraded in place, not re-created").isEqualTo(deploymentUid);
    assertThat(cluster.kubectl("get", "configmap", "ledger-service", "-n", ns, "-o", "jsonpath={.data.message}")
        .orFail().output()).isEqualTo("two");
    assertThat(awaitEvents(ns, "ledger", "UpgradeSucceeded")).extracting(Event::getReason)
        .doesNotContain("InstallSucceeded");
    assertThat(operator.logged(ns, "ledger", "Adopting Helm release ledger (revision 1, ledger-service-1.0.0"))
        .isNotEmpty();
  }

  private static String deploymentUid(String ns) {
    return cluster.client().apps().deployments().inNamespace(ns).withName("ledger-service").get().getMetadata()
        .getUid();
  }
}
