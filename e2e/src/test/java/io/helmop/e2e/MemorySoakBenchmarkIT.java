package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Benchmark of reconciles that must not call Helm. helm-java leaks about 5 KB of native memory per Helm call
 * (DESIGN.md), so helmop must not call Helm for releases that did not change. HelmReleases share a valuesFrom
 * ConfigMap; edits of a key the releases do not read wake every release each time: reconciles whose merged
 * values are unchanged. Asserts that every release was reconciled after every edit, and that no Helm call
 * (counted from the operator's debug log, which shows the installs' calls) and no new revision (`helm list`)
 * happened; prints the operator's resident memory (VmRSS) as it goes. The shared operator's heap is committed
 * up front, so RSS growth is native memory, where helm-java's leak would show; the RSS figures mean something
 * only when nothing else runs, as with -Pbenchmarks. (No jcmd: attaching sends SIGQUIT, which the JVM no longer
 * handles cleanly once helm-java's Go runtime is loaded.) Sizes: -Dhelmop.soak.releases and
 * -Dhelmop.soak.edits, 3 and 3 in `mvn verify`, 100 and 100 (10,000 reconciles) with -Pbenchmarks; add
 * -Dhelmop.soak.edits=300 for a longer run.
 */
class MemorySoakBenchmarkIT extends OperatorTest {
  static final int RELEASES = Integer.getInteger("helmop.soak.releases", 3);
  static final int EDITS = Integer.getInteger("helmop.soak.edits", 3);
  static final String RECONCILE = OperatorProcess.RECONCILE_STARTED;
  static final String HELM_CALL = "helm call:";
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart());
  }

  @Test
  void reconcilesOfUnchangedReleasesMakeNoHelmCallAndKeepMemoryFlat() throws Exception {
    String ns = namespace("soak");
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
    // not `kubectl wait`: the tests' kubectl calls end after 5 minutes, and 100 installs on a busy machine take more
    await().atMost(Duration.ofMinutes(15)).pollInterval(Duration.ofSeconds(2)).until(() ->
        cluster.client().resources(HelmRelease.class).inNamespace(ns).list().getItems().stream()
            .filter(r -> hasCondition(r, "Ready", "True")).count() == RELEASES);
    Duration installs = Duration.between(applied, Instant.now());
    long[] seen = {-1};
    await().pollInterval(Duration.ofSeconds(2)).atMost(Duration.ofMinutes(2)).until(() -> {
      long now = operator.count(RECONCILE, ns);
      boolean settled = now == seen[0]; // no reconcile for 2 s: the installs' aftermath is over
      seen[0] = now;
      return settled;
    });
    long reconcilesBefore = operator.count(RECONCILE, ns);
    long helmCallsBefore = operator.count(HELM_CALL, ns);
    // the count sees Helm calls (the installs' own), so that none later means none
    assertThat(helmCallsBefore).isGreaterThanOrEqualTo(RELEASES);
    long rssBefore = operator.residentKib();
    System.out.printf("SOAK %d releases installed in %d s; %d Helm calls, %d reconciles so far; RSS %d MiB%n",
        RELEASES, installs.toSeconds(), helmCallsBefore, reconcilesBefore, rssBefore / 1024);

    List<Long> rss = new ArrayList<>(List.of(rssBefore));
    Instant soakStart = Instant.now();
    int sampleEvery = Math.max(1, EDITS / 10);
    for (int edit = 1; edit <= EDITS; edit++) {
      Instant patched = Instant.now();
      cluster.kubectl("patch", "configmap", "shared-values", "-n", ns, "--type=merge",
          "-p", "{\"data\":{\"note\":\"" + edit + "\"}}").orFail();
      // one edit at a time, so JOSDK cannot merge two edits' events into one reconcile: every release has
      // begun a reconcile since this edit before the next
      await().pollInterval(Duration.ofMillis(200)).atMost(Duration.ofMinutes(2)).until(() -> {
        Map<String, Instant> last = operator.lastLoggedPerRelease(ns, RECONCILE);
        return last.size() == RELEASES && last.values().stream().allMatch(t -> t.isAfter(patched));
      });
      if (edit % sampleEvery == 0) {
        long now = operator.residentKib();
        rss.add(now);
        System.out.printf("SOAK after %5d reconciles: RSS %d MiB, Helm calls since start %d%n",
            operator.count(RECONCILE, ns) - reconcilesBefore, now / 1024,
            operator.count(HELM_CALL, ns) - helmCallsBefore);
      }
    }
    Duration soak = Duration.between(soakStart, Instant.now());
    long reconciles = operator.count(RECONCILE, ns) - reconcilesBefore;
    long helmCalls = operator.count(HELM_CALL, ns) - helmCallsBefore;
    JsonNode releases = new ObjectMapper().readTree(cluster.helm("list", "-n", ns, "-o", "json").orFail().output());
    long maxRevision = 0;
    for (JsonNode release : releases) {
      maxRevision = Math.max(maxRevision, release.path("revision").asLong());
    }
    System.out.printf("SOAK %d reconciles in %d s (%.0f/s): %d Helm calls, highest Helm revision %d; "
            + "RSS MiB every %d reconciles: %s (first %d, last %d, max %d)%n",
        reconciles, soak.toSeconds(), reconciles * 1000.0 / Math.max(1, soak.toMillis()), helmCalls, maxRevision,
        sampleEvery * RELEASES, rss.stream().map(k -> k / 1024).toList(), rss.get(0) / 1024,
        rss.get(rss.size() - 1) / 1024, rss.stream().mapToLong(Long::longValue).max().orElseThrow() / 1024);

    assertThat(reconciles).isGreaterThanOrEqualTo((long) RELEASES * EDITS);
    assertThat(helmCalls).isZero();
    assertThat(releases).hasSize(RELEASES);
    assertThat(maxRevision).isEqualTo(1);
  }
}
