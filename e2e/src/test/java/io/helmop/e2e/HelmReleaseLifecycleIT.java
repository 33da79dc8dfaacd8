package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A user's whole journey with one release, on the real control plane, with a real chart repository. */
class HelmReleaseLifecycleIT extends OperatorTest {
  static ChartRepository repository;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    Path chart = cluster.repo().resolve("examples/charts/hello");
    repository = startOperator(new ChartRepository(cluster)
        .publish(chart, "0.1.0", "1.0.0")
        .publish(chart, "0.2.0", "2.0.0")
        .publish(chart, "0.3.0-rc.1", "3.0.0-rc.1"));
  }

  @Test
  void installsUpgradesOnlyWhenSomethingChangedAndUninstallsOnDelete() throws Exception {
    String ns = namespace("lifecycle");
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.x", """
        interval: 5s
        values:
          message: first"""));

    // the user's way to wait: kubectl wait on the Ready condition
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    cluster.kubectl("wait", "--for=condition=Available", "deployment/web", "-n", ns, "--timeout=60s").orFail();
    HelmRelease installed = get(cluster, ns, "web");
    assertThat(installed.getStatus().getLastAppliedRevision()).isEqualTo(1);
    assertThat(installed.getStatus().getChart()).isEqualTo("hello-0.1.0");
    assertThat(installed.getStatus().getAppVersion()).isEqualTo("1.0.0");
    assertThat(installed.getStatus().getObservedGeneration()).isEqualTo(1L);
    assertThat(condition(installed, "Released").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(installed, "Reconciling").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(cluster.helm("list", "-n", ns, "-o", "json").orFail().output()).contains("\"name\":\"web\"")
        .contains("\"status\":\"deployed\"");

    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.x", """
        interval: 5s
        values:
          message: second"""));
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      HelmRelease r = get(cluster, ns, "web");
      return r.getStatus().getObservedGeneration() == 2L && hasCondition(r, "Ready", "True");
    });
    Instant upgradeSeen = Instant.now();
    HelmRelease upgraded = get(cluster, ns, "web");
    assertThat(upgraded.getStatus().getLastAppliedRevision()).isEqualTo(2);
    assertThat(cluster.kubectl("get", "configmap", "web", "-n", ns, "-o", "jsonpath={.data.message}").orFail()
        .output()).isEqualTo("second");

    // Reconciles of the unchanged release (woken by its objects' events, then at the 5 s interval) change
    // nothing: no Helm call (no revision 3) and not even a status write.
    String resourceVersion = upgraded.getMetadata().getResourceVersion();
    awaitReconciledSince(ns, "web", upgradeSeen, 2);
    HelmRelease later = get(cluster, ns, "web");
    assertThat(later.getMetadata().getResourceVersion()).isEqualTo(resourceVersion);
    assertThat(later.getStatus().getLastAppliedRevision()).isEqualTo(2);

    JsonNode history = JSON.readTree(cluster.helm("history", "web", "-n", ns, "-o", "json").orFail().output());
    assertThat(history).hasSize(2);
    assertThat(history.get(0).path("status").asText()).isEqualTo("superseded");
    assertThat(history.get(1).path("status").asText()).isEqualTo("deployed");
    assertThat(upgraded.getStatus().getHistory()).extracting(h -> h.getRevision()).containsExactly(2, 1);
    assertThat(cluster.helm("get", "values", "web", "-n", ns).orFail().output()).contains("message: second");

    cluster.kubectl("delete", "helmrelease", "web", "-n", ns, "--timeout=120s").orFail();
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).doesNotContain("web");
    assertThat(cluster.kubectl("get", "deployment", "web", "-n", ns, "--ignore-not-found", "-o", "name")
        .orFail().output()).isBlank();
    assertThat(events(ns, "web")).extracting(Event::getReason)
        .contains("InstallSucceeded", "UpgradeSucceeded", "Uninstalled");
  }

  /**
   * The status write after Helm's success can fail (an API server restart, a conflict). Helm's revision itself
   * names the digest it was made from, so the next reconcile finds it applied instead of upgrading again.
   */
  @Test
  void aLostStatusWriteAfterHelmSucceededMakesNoSecondRevision() {
    String ns = namespace("status-lost");
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", "values: {message: once}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    assertThat(cluster.helm("history", "web", "-n", ns, "-o", "json").orFail().output())
        .contains("Install complete (helmop digest ");

    // as if the write had never happened: the status no longer says which revision helmop made
    cluster.kubectl("patch", "helmrelease", "web", "-n", ns, "--subresource=status", "--type=json", "-p",
        "[{\"op\":\"remove\",\"path\":\"/status/lastAppliedRevision\"},"
            + "{\"op\":\"remove\",\"path\":\"/status/lastAppliedDigest\"}]").orFail();
    cluster.kubectl("annotate", "helmrelease", "web", "-n", ns, "--overwrite",
        "reconcile.helmop.io/requestedAt=" + System.nanoTime()).orFail();

    await().atMost(Duration.ofSeconds(60)).until(() -> {
      HelmRelease r = get(cluster, ns, "web");
      return Integer.valueOf(1).equals(r.getStatus().getLastAppliedRevision())
          && r.getStatus().getLastAppliedDigest() != null;
    });
    assertThat(cluster.helm("history", "web", "-n", ns, "-o", "json").orFail().output())
        .as("the in-sync revision 1 was recognised, not upgraded").doesNotContain("\"revision\":2");
    assertThat(operator.logged(ns, "web", "The release is in sync")).isNotEmpty();
  }

  @Test
  void aReleaseLeftPendingByAKilledUpgradeIsUnlockedAndUpgraded() throws Exception {
    String ns = namespace("pending");
    apply(cluster, helmRelease(ns, "stuck", repository.url(), "0.1.0", "values: {message: one}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/stuck", "-n", ns, "--timeout=180s").orFail();
    // what a SIGKILL in the middle of `helm upgrade` leaves: the newest revision pending, long ago
    HelmStorage.leavePending(cluster, ns, "stuck", 1);
    assertThat(cluster.helm("upgrade", "stuck", "--reuse-values", "-n", ns,
        cluster.repo().resolve("examples/charts/hello").toString()).output())
        .contains("another operation (install/upgrade/rollback) is in progress");

    apply(cluster, helmRelease(ns, "stuck", repository.url(), "0.1.0", "values: {message: two}"));
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      HelmRelease r = get(cluster, ns, "stuck");
      return r.getStatus().getObservedGeneration() == 2L && hasCondition(r, "Ready", "True");
    });
    JsonNode history = JSON.readTree(cluster.helm("history", "stuck", "-n", ns, "-o", "json").orFail().output());
    assertThat(history).extracting(h -> h.path("status").asText()).containsExactly("superseded", "deployed");
    assertThat(history.get(0).path("description").asText()).contains("helmop: marked failed");
    assertThat(cluster.kubectl("get", "configmap", "stuck", "-n", ns, "-o", "jsonpath={.data.message}").orFail()
        .output()).isEqualTo("two");
  }

  @Test
  void missingChartVersionStallsWithAClearMessageWhileOtherReleasesProceed() {
    String ns = namespace("missing");
    apply(cluster, helmRelease(ns, "broken", repository.url(), "9.9.9", ""));
    apply(cluster, helmRelease(ns, "latest", repository.url(), "", ""));

    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "broken"), "Stalled", "True"));
    HelmRelease broken = get(cluster, ns, "broken");
    assertThat(condition(broken, "Ready").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(condition(broken, "Ready").orElseThrow().getReason()).isEqualTo("ChartVersionNotFound");
    assertThat(condition(broken, "Ready").orElseThrow().getMessage())
        .contains("9.9.9").contains(repository.url()).contains("0.2.0");
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).doesNotContain("broken");

    // an empty version means the latest stable: 0.2.0, not the 0.3.0-rc.1 prerelease
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/latest", "-n", ns, "--timeout=180s").orFail();
    assertThat(get(cluster, ns, "latest").getStatus().getChart()).isEqualTo("hello-0.2.0");
    awaitEvents(ns, "broken", "ChartVersionNotFound");
    assertThat(operator.isAlive()).isTrue();
  }

  @Test
  void unreachableRepositoryIsRetriedWithBackoffUntilItComesBack() {
    ChartRepository flaky = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "1.0.0", "1.0.0");
    try {
      flaky.stop();
      String ns = namespace("outage");
      apply(cluster, helmRelease(ns, "patient", flaky.url(), "1.0.0", ""));

      await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "patient"), "Ready")
          .map(c -> "RepositoryUnavailable".equals(c.getReason())).orElse(false));
      HelmRelease waiting = get(cluster, ns, "patient");
      assertThat(condition(waiting, "Ready").orElseThrow().getStatus()).isEqualTo("False");
      assertThat(condition(waiting, "Ready").orElseThrow().getMessage()).contains(flaky.url());
      assertThat(condition(waiting, "Reconciling").orElseThrow().getStatus()).isEqualTo("True");
      assertThat(condition(waiting, "Stalled").orElseThrow().getStatus()).isEqualTo("False");
      assertThat(operator.isAlive()).isTrue();

      flaky.start();
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/patient", "-n", ns, "--timeout=180s").orFail();
      assertThat(get(cluster, ns, "patient").getStatus().getChart()).isEqualTo("hello-1.0.0");
    } finally {
      flaky.close();
    }
  }
}
