package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.GitServer;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OciRegistry;
import io.helmop.e2e.support.OperatorTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Charts in Git whose dependencies are not vendored, as Flux and Argo CD build them: orders-service (the seed's
 * payment-service shape) depends on orders-db from the test's Helm repository (condition and alias), on
 * orders-cache from a real OCI registry (condition), and on the library chart naming from file:// in the same
 * Git repository; its .helmignore leaves out a template that would fail the render.
 */
class GitDependenciesIT extends OperatorTest {
  static ChartRepository repository;
  static OciRegistry registry;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    Path fixtures = cluster.repo().resolve("e2e/src/test/charts");
    registry = OciRegistry.anonymous(cluster).push(fixtures.resolve("orders-cache"), "1.0.0", "1.0.0");
    repository = startOperator(new ChartRepository(cluster)
        .publish(fixtures.resolve("orders-db"), "1.0.0", "1.0.0")
        .publish(fixtures.resolve("orders-db"), "1.1.0", "1.1.0"));
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  @Test
  void dependenciesFromAHelmRepositoryAnOciRegistryAndTheSameRepositoryAreBuilt() throws Exception {
    try (GitServer git = new GitServer()) {
      commitOrdersService(git);
      String ns = namespace("gitdeps");
      apply(cluster, release(ns, git.url()));
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/orders", "-n", ns, "--timeout=180s").orFail();

      // the library from file:// names the parent's objects; the alias names the subchart's; the range took 1.1.0
      assertThat(data(ns, "orders-orders-service")).containsEntry("chart", "orders-service");
      assertThat(data(ns, "orders-postgresql")).containsEntry("version", "1.1.0")
          .containsEntry("greeting", "from orders-service");
      assertThat(configMap(ns, "orders-orders-cache")).as("cache.enabled is false").isNull();

      // Chart.lock's version wins over the range
      Files.writeString(git.workTree().resolve("charts/orders-service/Chart.lock"), """
          dependencies:
          - name: orders-db
            repository: %s
            version: 1.0.0
          """.formatted(repository.url()));
      git.commitAndPush("lock orders-db at 1.0.0", null);
      await().atMost(Duration.ofMinutes(2)).until(() ->
          Integer.valueOf(2).equals(get(cluster, ns, "orders").getStatus().getLastAppliedRevision()));
      assertThat(data(ns, "orders-postgresql")).containsEntry("version", "1.0.0");

      // a commit outside the chart and its file:// folder makes no revision, dependencies and all
      Files.writeString(git.workTree().resolve("README.md"), "charts of the orders team\n");
      git.commitAndPush("docs", null);
      Instant pushed = Instant.now();
      awaitReconciledSince(ns, "orders", pushed.plus(Duration.ofSeconds(5)), 1);
      assertThat(get(cluster, ns, "orders").getStatus().getLastAppliedRevision()).isEqualTo(2);
      assertThat(helmRevisions(ns)).isEqualTo(2);

      // the OCI dependency's condition, turned on
      cluster.kubectl("patch", "helmrelease", "orders", "-n", ns, "--type=merge", "-p",
          "{\"spec\":{\"values\":{\"cache\":{\"enabled\":true}}}}").orFail();
      await().atMost(Duration.ofMinutes(2)).until(() -> configMap(ns, "orders-orders-cache") != null);
      assertThat(data(ns, "orders-orders-cache")).containsEntry("version", "1.0.0");
    }
  }

  @Test
  void aDependencyThatCannotBeHadNamesItsEntryAndTheLastGoodReleaseKeepsServing() throws Exception {
    try (GitServer git = new GitServer()) {
      Path chartYaml = commitOrdersService(git);
      String ns = namespace("gitdeps-bad");
      apply(cluster, release(ns, git.url()));
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/orders", "-n", ns, "--timeout=180s").orFail();
      String original = Files.readString(chartYaml);

      // a version the repository does not have: Stalled, until a commit fixes it
      Files.writeString(chartYaml, original.replace("version: 1.x", "version: 9.9.9"));
      git.commitAndPush("orders-db 9.9.9", null);
      String message = awaitMessage(ns, "available: 1.1.0, 1.0.0");
      System.out.println("wrong version: " + message);
      assertThat(message).contains("dependencies[0] of charts/orders-service/Chart.yaml",
          "orders-db as postgresql 9.9.9 from " + repository.url());
      assertThat(condition(get(cluster, ns, "orders"), "Stalled").orElseThrow().getStatus()).isEqualTo("True");
      Instant stalled = Instant.now();
      awaitReconciledSince(ns, "orders", stalled, 2);
      System.out.println("reconciles of the stalled release in " + Duration.between(stalled, Instant.now())
          .toMillis() + " ms: " + operator.reconciles(ns, "orders").stream().filter(t -> t.isAfter(stalled))
          .count());

      // file:// out of the repository
      Files.writeString(chartYaml, original.replace("file://../../libs/naming", "file://../../../../etc"));
      git.commitAndPush("naming from /etc", null);
      message = awaitMessage(ns, "outside the Git repository");
      System.out.println("file:// outside: " + message);
      assertThat(message).contains("dependencies[2] of charts/orders-service/Chart.yaml", "file://../../../../etc");

      // a repository that answers 404: retried with backoff
      Files.writeString(chartYaml, original.replace("repository: " + repository.url(),
          "repository: " + repository.url() + "/missing"));
      git.commitAndPush("orders-db from a wrong URL", null);
      message = awaitMessage(ns, "HTTP 404");
      System.out.println("404: " + message);
      assertThat(message).contains("dependencies[0]", "/missing");
      assertThat(condition(get(cluster, ns, "orders"), "Stalled").map(c -> c.getStatus()).orElse("False"))
          .isEqualTo("False");

      // one Event each, no new revision, and the last good release still serves
      Instant failed = Instant.now();
      awaitReconciledSince(ns, "orders", failed, 1);
      assertThat(events(ns, "orders")).filteredOn(e -> "ChartDependencyFailed".equals(e.getReason()))
          .extracting(Event::getMessage).hasSize(3);
      assertThat(helmRevisions(ns)).isEqualTo(1);
      assertThat(get(cluster, ns, "orders").getStatus().getLastAppliedRevision()).isEqualTo(1);
      assertThat(data(ns, "orders-postgresql")).containsEntry("version", "1.1.0");
    }
  }

  @Test
  void aBareRepositoryWhoseHeadNamesAMissingBranchIsReadAtItsRef() throws Exception {
    try (GitServer git = new GitServer()) {
      GitSourceIT.copy(cluster.repo().resolve("examples/charts/hello"), git.workTree().resolve("charts/hello"));
      git.commitAndPush("hello chart", null);
      git.pointHeadAt("trunk"); // `git init --bare` where the default branch is not main, then main pushed
      String ns = namespace("gitdeps-head");
      apply(cluster, release(ns, git.url()).replace("charts/orders-service", "charts/hello"));
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/orders", "-n", ns, "--timeout=180s").orFail();
      assertThat(get(cluster, ns, "orders").getStatus().getChart()).isEqualTo("hello-0.1.0");
    }
  }

  /** Commits charts/orders-service (its repositories filled in) and libs/naming; returns its Chart.yaml. */
  static Path commitOrdersService(GitServer git) throws Exception {
    Path fixtures = cluster.repo().resolve("e2e/src/test/charts");
    Path chart = git.workTree().resolve("charts/orders-service");
    GitSourceIT.copy(fixtures.resolve("orders-service"), chart);
    GitSourceIT.copy(fixtures.resolve("naming"), git.workTree().resolve("libs/naming"));
    Path chartYaml = chart.resolve("Chart.yaml");
    Files.writeString(chartYaml, Files.readString(chartYaml).replace("HTTP_REPOSITORY", repository.url())
        .replace("OCI_REPOSITORY", registry.url()));
    git.commitAndPush("orders-service", null);
    return chartYaml;
  }

  static String release(String ns, String url) {
    return """
        apiVersion: helmop.io/v1alpha1
        kind: HelmRelease
        metadata: {name: orders, namespace: %s}
        spec:
          chart:
            git: {url: "%s", ref: main, path: charts/orders-service}
          interval: 5s
        """.formatted(ns, url);
  }

  /** The Ready message once it is False with ChartDependencyFailed and contains {@code text}. */
  static String awaitMessage(String ns, String text) {
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "orders"), "Ready")
        .map(c -> "False".equals(c.getStatus()) && "ChartDependencyFailed".equals(c.getReason())
            && c.getMessage().contains(text)).orElse(false));
    return condition(get(cluster, ns, "orders"), "Ready").orElseThrow().getMessage();
  }

  static ConfigMap configMap(String ns, String name) {
    return cluster.client().configMaps().inNamespace(ns).withName(name).get();
  }

  static Map<String, String> data(String ns, String name) {
    ConfigMap map = configMap(ns, name);
    assertThat(map).as("ConfigMap " + name).isNotNull();
    return map.getData();
  }

  static int helmRevisions(String ns) throws Exception {
    return new ObjectMapper().readTree(cluster.helm("history", "orders", "-n", ns, "-o", "json").orFail().output())
        .size();
  }
}
