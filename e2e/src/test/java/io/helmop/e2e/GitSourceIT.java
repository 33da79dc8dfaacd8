package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helmop.e2e.support.GitServer;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Charts kept in Git, in the seed's charts/NAME layout, served by a real `git daemon` on 127.0.0.1. */
class GitSourceIT extends OperatorTest {
  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    startOperator(); // charts come from Git, not from a chart repository
  }

  static String release(String ns, String name, String url, String ref, String path) {
    return """
        apiVersion: helmop.io/v1alpha1
        kind: HelmRelease
        metadata: {name: %s, namespace: %s}
        spec:
          chart:
            git: {url: "%s", ref: "%s", path: %s}
          interval: 5s
          values: {fullnameOverride: %s}
        """.formatted(name, ns, url, ref, path, name);
  }

  @Test
  void aFollowedBranchUpgradesOnNewCommitsWhileAPinnedTagStaysPut() throws Exception {
    try (GitServer git = new GitServer()) {
      Path chart = git.workTree().resolve("charts/hello");
      copy(cluster.repo().resolve("examples/charts/hello"), chart);
      git.commitAndPush("hello chart", "v1");

      String ns = namespace("git");
      apply(cluster, release(ns, "followed", git.url(), "main", "charts/hello")
          + "---\n" + release(ns, "pinned", git.url(), "v1", "charts/hello")
          + "---\n" + release(ns, "wrong-path", git.url(), "main", "charts/nothing-here"));
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/followed", "helmrelease/pinned", "-n", ns,
          "--timeout=180s").orFail();
      assertThat(get(cluster, ns, "followed").getStatus().getChart()).isEqualTo("hello-0.1.0");

      await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "wrong-path"), "Ready")
          .map(c -> "ChartNotFound".equals(c.getReason())).orElse(false));
      assertThat(condition(get(cluster, ns, "wrong-path"), "Ready").orElseThrow().getMessage())
          .contains("spec.chart.git.path", "charts/nothing-here", "Chart.yaml");

      // a new commit on main changes the chart's default message
      Path values = chart.resolve("values.yaml");
      Files.writeString(values, Files.readString(values).replace("hello from helmop", "hello from a new commit"));
      git.commitAndPush("new message", null);

      await().atMost(Duration.ofMinutes(2)).until(() ->
          Integer.valueOf(2).equals(get(cluster, ns, "followed").getStatus().getLastAppliedRevision()));
      assertThat(cluster.kubectl("get", "configmap", "followed", "-n", ns, "-o", "jsonpath={.data.message}")
          .orFail().output()).isEqualTo("hello from a new commit");

      // a commit outside the chart folder changes nothing: the packaged chart is byte-for-byte the same
      Files.writeString(git.workTree().resolve("README.md"), "charts of the payments team\n");
      String resourceVersion = get(cluster, ns, "followed").getMetadata().getResourceVersion();
      git.commitAndPush("docs", null);
      Instant pushed = Instant.now();
      // the repository is fetched at most once per 5 s interval: a reconcile that began an interval after the
      // push has fetched it after both commits. followed found the same chart; pinned still found tag v1.
      awaitReconciledSince(ns, "followed", pushed.plus(Duration.ofSeconds(5)), 1);
      awaitReconciledSince(ns, "pinned", pushed.plus(Duration.ofSeconds(5)), 1);
      assertThat(get(cluster, ns, "followed").getMetadata().getResourceVersion()).isEqualTo(resourceVersion);
      assertThat(get(cluster, ns, "followed").getStatus().getLastAppliedRevision()).isEqualTo(2);
      assertThat(get(cluster, ns, "pinned").getStatus().getLastAppliedRevision()).isEqualTo(1);
      assertThat(cluster.kubectl("get", "configmap", "pinned", "-n", ns, "-o", "jsonpath={.data.message}")
          .orFail().output()).isEqualTo("hello from helmop");
    }
  }

  /** Copies a folder, as a team copies a chart into its repository. */
  static void copy(Path from, Path to) throws Exception {
    try (var files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
