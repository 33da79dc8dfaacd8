package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Benchmark, not a timed assertion. helm-java leaks about 5 KB of native memory per Helm call (DESIGN.md), so
 * helmop must not call Helm for releases that did not change. 100 HelmReleases share a valuesFrom ConfigMap;
 * 100 edits of a key the releases do not read wake every release each time: 10,000 reconciles whose merged
 * values are unchanged. Prints the operator's resident memory (VmRSS) as it goes, and checks that no Helm call
 * and no new revision happened (counted from the operator's debug log and `helm list`). (No jcmd: attaching
 * sends SIGQUIT, which the JVM no longer handles cleanly once helm-java's Go runtime is loaded.)
 */
class MemorySoakBenchmarkIT {
  static final int RELEASES = 100;
  /** 100 edits x 100 releases = 10,000 reconciles; -Dhelmop.soak.edits=300 for a longer run. */
  static final int EDITS = Integer.getInteger("helmop.soak.edits", 100);
  static final String RECONCILE = "Reconciling generation";
  static final String HELM_CALL = "helm call:";

  @Test
  void tenThousandReconcilesOfUnchangedReleasesMakeNoHelmCallAndKeepMemoryFlat() throws Exception {
    LocalCluster cluster = LocalCluster.get();
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0");
        // the whole Java heap committed and touched up front: RSS growth afterwards is native memory, where
        // helm-java's leak would show
        OperatorProcess operator = OperatorProcess.start(cluster, Map.of("HELMOP_LOG_LEVEL", "DEBUG",
            "JAVA_TOOL_OPTIONS", "-Xms256m -XX:+AlwaysPreTouch"))) {
      try {
        String ns = cluster.createNamespace("soak");
        cluster.kubectl("create", "configmap", "shared-values", "-n", ns,
            "--from-literal=values.yaml=message: shared", "--from-literal=note=0").orFail();
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < RELEASES; i++) {
          yaml.append(helmRelease(ns, "soak-%03d".formatted(i), repository.url(), "0.1.0", """
              interval: 10m
              valuesFrom: [{kind: ConfigMap, name: shared-values}]""")).append("---\n");
        }
        Instant applied = Instant.now();
        apply(cluster, yaml.toString());
        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease", "--all", "-n", ns, "--timeout=900s").orFail();
        Duration installs = Duration.between(applied, Instant.now());
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofMinutes(1))
            .until(() -> count(operator, RECONCILE) == count(operator, RECONCILE)); // settled
        long reconcilesBefore = count(operator, RECONCILE);
        long helmCallsBefore = count(operator, HELM_CALL);
        long rssBefore = operator.residentKib();
        System.out.printf("SOAK %d releases installed in %d s; %d Helm calls, %d reconciles so far; RSS %d MiB%n",
            RELEASES, installs.toSeconds(), helmCallsBefore, reconcilesBefore, rssBefore / 1024);

        List<Long> rss = new ArrayList<>(List.of(rssBefore));
        Instant soakStart = Instant.now();
        for (int edit = 1; edit <= EDITS; edit++) {
          cluster.kubectl("patch", "configmap", "shared-values", "-n", ns, "--type=merge",
              "-p", "{\"data\":{\"note\":\"" + edit + "\"}}").orFail();
          long expected = reconcilesBefore + (long) RELEASES * edit;
          // one edit at a time, so JOSDK cannot merge two edits' events into one reconcile
          await().pollInterval(Duration.ofMillis(100)).atMost(Duration.ofMinutes(2))
              .until(() -> count(operator, RECONCILE) >= expected);
          if (edit % 10 == 0) {
            long now = operator.residentKib();
            rss.add(now);
            System.out.printf("SOAK after %5d reconciles: RSS %d MiB, Helm calls since start %d%n",
                count(operator, RECONCILE) - reconcilesBefore, now / 1024,
                count(operator, HELM_CALL) - helmCallsBefore);
          }
        }
        Duration soak = Duration.between(soakStart, Instant.now());
        long reconciles = count(operator, RECONCILE) - reconcilesBefore;
        long helmCalls = count(operator, HELM_CALL) - helmCallsBefore;
        JsonNode releases = new ObjectMapper().readTree(cluster.helm("list", "-n", ns, "-o", "json").orFail().output());
        long maxRevision = 0;
        for (JsonNode release : releases) {
          maxRevision = Math.max(maxRevision, release.path("revision").asLong());
        }
        System.out.printf("SOAK %d reconciles in %d s (%.0f/s): %d Helm calls, highest Helm revision %d; "
                + "RSS MiB every 1000 reconciles: %s (first %d, last %d, max %d)%n",
            reconciles, soak.toSeconds(), reconciles * 1000.0 / Math.max(1, soak.toMillis()), helmCalls, maxRevision,
            rss.stream().map(k -> k / 1024).toList(), rss.get(0) / 1024, rss.get(rss.size() - 1) / 1024,
            rss.stream().mapToLong(Long::longValue).max().orElseThrow() / 1024);

        assertThat(reconciles).isGreaterThanOrEqualTo((long) RELEASES * EDITS);
        assertThat(helmCalls).isZero();
        assertThat(releases).hasSize(RELEASES);
        assertThat(maxRevision).isEqualTo(1);
      } finally {
        cluster.deleteTestNamespaces(); // while the operator runs, also after a failure
      }
    }
  }

  private static long count(OperatorProcess operator, String fragment) {
    return operator.log().lines().filter(line -> line.contains(fragment)).count();
  }
}
