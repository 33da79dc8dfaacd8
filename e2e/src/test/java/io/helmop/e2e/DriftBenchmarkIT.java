package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Benchmark of drift detection: with releases installed, kubectl-style edits one after the other, Deployment
 * images and ConfigMap values in turn. Asserts that each edit is reported (Drifted=True) and undone, without a
 * new Helm revision; prints p50/p95/max of edit -> Drifted=True seen on the HelmRelease and edit -> object
 * restored, as a client watching them sees it (no timed assertion; the target: p95 < 1 s and < 2 s).
 * Reference points: Flux checks drift at its interval (10-30 min), Argo CD self-heals on watch events. Sizes:
 * -Dhelmop.drift.releases and -Dhelmop.drift.edits, 3 and 6 in `mvn verify`, 50 and 100 with -Pbenchmarks.
 */
class DriftBenchmarkIT extends OperatorTest {
  static ChartRepository repository;
  static final int RELEASES = Integer.getInteger("helmop.drift.releases", 3);
  static final int EDITS = Integer.getInteger("helmop.drift.edits", 2 * RELEASES);

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart());
  }

  @Test
  void editsAreDetectedAndRestoredWithoutANewRevisionWithLatenciesPrinted() throws Exception {
    String ns = namespace("drift-bench");
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < RELEASES; i++) {
      // the edits below are made with this test's client, not kubectl: every writer's edits count
      yaml.append(helmRelease(ns, "app-" + i, repository.url(), "0.1.0", """
          driftDetection:
            fieldManagers: ["*"]""")).append("---\n");
    }
    long installStart = System.nanoTime();
    apply(cluster, yaml.toString());
    await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(2)).until(() ->
        cluster.client().resources(HelmRelease.class).inNamespace(ns).list().getItems().stream()
            .filter(r -> hasCondition(r, "Drifted", "False")).count() == RELEASES);
    System.out.printf("BENCHMARK drift: %d releases installed and first-checked in %d s%n", RELEASES,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - installStart));

    List<Long> detection = new ArrayList<>();
    List<Long> restoration = new ArrayList<>();
    for (int i = 0; i < EDITS; i++) {
      String name = "app-" + (i % RELEASES);
      boolean image = (i / RELEASES) % 2 == 0; // each release's image first, then its ConfigMap, ...
      long edited;
      var drifted = watchUntil(cluster.client().resources(HelmRelease.class).inNamespace(ns).withName(name),
          r -> hasCondition(r, "Drifted", "True"));
      CompletableFuture<Long> restored;
      if (image) {
        var deployment = cluster.client().apps().deployments().inNamespace(ns).withName(name);
        restored = watchUntil(deployment, d -> image(d).endsWith(":1.0.0"), d -> !image(d).endsWith(":1.0.0"));
        edited = System.nanoTime();
        deployment.edit(d -> {
          d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/hello:edit");
          return d;
        });
      } else {
        var configMap = cluster.client().configMaps().inNamespace(ns).withName(name);
        restored = watchUntil(configMap, c -> "hello from helmop".equals(c.getData().get("message")),
            c -> !"hello from helmop".equals(c.getData().get("message")));
        edited = System.nanoTime();
        configMap.edit(c -> {
          c.getData().put("message", "edited live");
          return c;
        });
      }
      // a TimeoutException fails the test: the edit was not reported or not undone within 30 s
      detection.add(TimeUnit.NANOSECONDS.toMillis(drifted.get(30, TimeUnit.SECONDS) - edited));
      restoration.add(TimeUnit.NANOSECONDS.toMillis(restored.get(30, TimeUnit.SECONDS) - edited));
      await().atMost(Duration.ofSeconds(30)).until(() -> hasCondition(
          cluster.client().resources(HelmRelease.class).inNamespace(ns).withName(name).get(), "Drifted", "False"));
    }
    System.out.printf("BENCHMARK drift, %d releases, %d edits: edit -> Drifted=True ms p50 %d p95 %d max %d; "
            + "edit -> restored ms p50 %d p95 %d max %d%n", RELEASES, EDITS,
        percentile(detection, 50), percentile(detection, 95), percentile(detection, 100),
        percentile(restoration, 50), percentile(restoration, 95), percentile(restoration, 100));

    // undone by re-applying the objects, not by a Helm upgrade: every release is still at revision 1
    JsonNode releases = new ObjectMapper().readTree(cluster.helm("list", "-n", ns, "-o", "json").orFail()
        .output());
    assertThat(releases).hasSize(RELEASES)
        .allSatisfy(release -> assertThat(release.path("revision").asInt()).isEqualTo(1));
  }

  private static String image(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private static <T extends HasMetadata> CompletableFuture<Long> watchUntil(
      io.fabric8.kubernetes.client.dsl.Watchable<T> target, Predicate<T> condition) {
    return watchUntil(target, condition, x -> true);
  }

  /**
   * Completes with System.nanoTime() of the first watch event that satisfies {@code condition} after one that
   * satisfied {@code armedBy} (the edit itself, for a restoration).
   */
  private static <T extends HasMetadata> CompletableFuture<Long> watchUntil(
      io.fabric8.kubernetes.client.dsl.Watchable<T> target, Predicate<T> condition, Predicate<T> armedBy) {
    CompletableFuture<Long> result = new CompletableFuture<>();
    boolean[] armed = {false};
    Watch watch = target.watch(new Watcher<T>() {
      @Override
      public void eventReceived(Action action, T object) {
        long now = System.nanoTime();
        synchronized (armed) {
          armed[0] |= armedBy.test(object);
          if (armed[0] && condition.test(object)) {
            result.complete(now);
          }
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        result.completeExceptionally(cause);
      }
    });
    result.whenComplete((t, e) -> watch.close());
    return result;
  }

  private static long percentile(List<Long> values, int percentile) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
  }
}
