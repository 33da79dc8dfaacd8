package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `--namespaces`: an operator reconciles the HelmReleases of the namespaces it is given, and no others. */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class NamespacesIT {
  @Test
  void anOperatorWatchingSomeNamespacesLeavesTheOthersAlone() {
    LocalCluster cluster = LocalCluster.get();
    String watched = cluster.createNamespace("watched");
    String other = cluster.createNamespace("other");
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0");
        OperatorProcess operator = OperatorProcess.start(cluster, Map.of(), "--namespaces", watched)) {
      try {
        // the other namespace's release first: an operator that watched it would reach it first
        apply(cluster, helmRelease(other, "web", repository.url(), "0.1.0", ""));
        apply(cluster, helmRelease(watched, "web", repository.url(), "0.1.0", ""));

        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", watched, "--timeout=180s").orFail();

        assertThat(get(cluster, other, "web").getStatus()).as("never reconciled").isNull();
        assertThat(get(cluster, other, "web").getMetadata().getFinalizers()).isNullOrEmpty();
        assertThat(cluster.helm("list", "-n", other, "-q").orFail().output()).isBlank();
        assertThat(operator.log()).contains("namespaces=[" + watched + "]").doesNotContain("[" + other + "/web]");
      } finally {
        cluster.kubectl("delete", "helmrelease", "web", "-n", watched, "--wait=true", "--timeout=120s");
        cluster.deleteTestNamespaces();
      }
    }
  }
}
