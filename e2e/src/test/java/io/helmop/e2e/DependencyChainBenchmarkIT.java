package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Benchmark of dependsOn, and a check of its order: a chain of releases, each depending on the previous, applied
 * at once, last link first. Asserts that Helm recorded each dependent's first revision only after its dependency
 * was deployed and ready (Ready=True, and the operator's log line saying so); prints, per link, the time from
 * "dependency deployed and ready" to "dependent starts installing" as the operator logged them (no timed
 * assertion). Reference point: Flux re-checks waiting releases every 30 s. Links: -Dhelmop.chain.links, 3 in
 * `mvn verify`, 5 with -Pbenchmarks.
 */
class DependencyChainBenchmarkIT extends OperatorTest {
  static ChartRepository repository;
  static final int LINKS = Integer.getInteger("helmop.chain.links", 3);

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart());
  }

  @Test
  void eachLinkInstallsOnlyOnceItsDependencyIsReadyWithPerLinkOverheadPrinted() {
    String ns = namespace("chain");
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
      String dependency = "link-" + (i - 1);
      String dependent = "link-" + i;
      Instant dependencyReadyLogged = operator.logged(ns, dependency, "is deployed and ready").get(0);
      // whole seconds: the dependent's record may fall into the same second
      Instant dependencyReadySince = Instant.parse(condition(get(cluster, ns, dependency), "Ready").orElseThrow()
          .getLastTransitionTime());
      Instant dependentRecorded = OffsetDateTime.parse(HelmStorage.release(cluster, ns, dependent, 1)
          .path("info").path("first_deployed").asText()).toInstant();
      assertThat(dependentRecorded)
          .as("Helm's first record of %s, after %s was deployed and ready", dependent, dependency)
          .isAfter(dependencyReadyLogged).isAfterOrEqualTo(dependencyReadySince);

      Instant dependentStarts = operator.logged(ns, dependent, "Installing chart").get(0);
      overheads.add(Duration.between(dependencyReadyLogged, dependentStarts).toMillis());
    }
    System.out.printf("BENCHMARK dependsOn chain of %d: total %d ms from apply to last Ready; "
            + "per-link overhead (dependency Ready -> dependent starts) ms: %s; max %d ms%n",
        LINKS, total.toMillis(), overheads, overheads.stream().mapToLong(Long::longValue).max().orElse(0));
  }
}
