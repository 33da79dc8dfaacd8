package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.helmRelease;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a timed assertion: a chain of five releases, each depending on the previous, applied at once.
 * Prints, per link, the time from "dependency deployed and ready" to "dependent starts installing" as the
 * operator logged them. Reference point: Flux re-checks waiting releases every 30 s.
 */
class DependencyChainBenchmarkIT {
  static final int LINKS = 5;

  @Test
  void chainOfFiveConvergesWithPerLinkOverheadPrinted() {
    LocalCluster cluster = LocalCluster.get();
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0");
        OperatorProcess operator = OperatorProcess.start(cluster, Map.of())) {
      try {
        String ns = cluster.createNamespace("chain");
        StringBuilder yaml = new StringBuilder();
        for (int i = LINKS; i >= 1; i--) { // the last link first: nobody is helped by a friendly order
          String dependsOn = i == 1 ? "" : "dependsOn: [{name: link-" + (i - 1) + "}]";
          yaml.append(helmRelease(ns, "link-" + i, repository.url(), "0.1.0", dependsOn)).append("---\n");
        }
        Instant applied = Instant.now();
        apply(cluster, yaml.toString());
        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/link-" + LINKS, "-n", ns, "--timeout=300s")
            .orFail();
        Duration total = Duration.between(applied, Instant.now());

        List<Long> overheads = new ArrayList<>();
        for (int i = 2; i <= LINKS; i++) {
          Instant dependencyReady = operator.logged(ns, "link-" + (i - 1), "is deployed and ready").get(0);
          Instant dependentStarts = operator.logged(ns, "link-" + i, "Installing chart").get(0);
          overheads.add(Duration.between(dependencyReady, dependentStarts).toMillis());
        }
        System.out.printf("BENCHMARK dependsOn chain of %d: total %d ms from apply to last Ready; "
                + "per-link overhead (dependency Ready -> dependent starts) ms: %s; max %d ms%n",
            LINKS, total.toMillis(), overheads, overheads.stream().mapToLong(Long::longValue).max().orElse(0));
      } finally {
        cluster.deleteTestNamespaces(); // while the operator runs, also after a failure
      }
    }
  }
}
