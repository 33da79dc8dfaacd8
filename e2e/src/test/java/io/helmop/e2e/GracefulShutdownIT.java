package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.TestNamespaces;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * helm-java's Go runtime takes SIGTERM away from the JVM at its first install or template call. After Helm has
 * worked, SIGTERM must still run the shutdown hooks and end the process quickly, as Kubernetes expects.
 */
@Isolated // its own operator: the shared one is stopped meanwhile
class GracefulShutdownIT {

  @Test
  void sigtermAfterHelmOperationsStopsTheOperatorCleanlyWithinTenSeconds() {
    LocalCluster cluster = LocalCluster.get();
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0");
        OperatorProcess operator = OperatorProcess.start(cluster, Map.of())) {
      String ns = TestNamespaces.create(cluster, "shutdown");
      apply(cluster, helmRelease(ns, "one", repository.url(), "0.1.0", ""));
      apply(cluster, helmRelease(ns, "two", repository.url(), "0.1.0", "values: {message: two}"));
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/one", "helmrelease/two", "-n", ns,
          "--timeout=180s").orFail();
      // template + install ran twice: the Go runtime has registered its signal handlers by now
      assertThat(operator.log()).contains("revision 1 (hello-0.1.0) is deployed and ready");

      TestNamespaces.deleteAll(cluster); // uninstalls: more Helm calls before the signal
      boolean exited = operator.terminate(Duration.ofSeconds(10));

      assertThat(exited).as("operator exited within 10 s of SIGTERM; log: %s", operator.logFile()).isTrue();
      assertThat(operator.log()).contains("helmop stopped cleanly");
      assertThat(operator.exitCode()).isEqualTo(143); // 128 + SIGTERM, from the JVM's own handler
    }
  }
}
