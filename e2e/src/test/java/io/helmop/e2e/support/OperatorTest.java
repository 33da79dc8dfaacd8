package io.helmop.e2e.support;

import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInfo;

/**
 * Base of end-to-end test classes that use the operator shared by the test JVM (see
 * {@link OperatorProcess#shared}) and, most of them, a chart repository of their own: the subclass's
 * {@code @BeforeAll} calls {@link #startOperator}, its tests make namespaces with {@link #namespace}. After the
 * class, its namespaces are deleted while the operator runs (so their releases are uninstalled) and its
 * repository is stopped; the operator keeps running for the other classes. Classes run concurrently, each in
 * its own namespaces (a class that stops the shared operator is {@code @Isolated}).
 */
public abstract class OperatorTest {
  protected static LocalCluster cluster;
  /** The shared operator (the same for every class). */
  protected static OperatorProcess operator;

  private static final Map<Class<?>, AutoCloseable> REPOSITORIES = new ConcurrentHashMap<>();

  /** The shared operator, for a class that serves charts from {@code charts}, which it returns. */
  protected static ChartRepository startOperator(ChartRepository charts) {
    REPOSITORIES.put(TestNamespaces.testClass(), charts);
    startOperator();
    return charts;
  }

  /** A chart repository with the chart most tests install: examples/charts/hello 0.1.0, app version 1.0.0. */
  protected static ChartRepository helloChart() {
    return new ChartRepository(cluster).publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0");
  }

  /** The shared operator, for a class that serves its charts some other way. */
  protected static void startOperator() {
    operator = OperatorProcess.shared(cluster);
  }

  /** A fresh namespace for one test, so tests do not see each other's releases; deleted after the class. */
  protected static String namespace(String prefix) {
    return TestNamespaces.create(cluster, prefix);
  }

  @AfterAll
  static void cleanUp(TestInfo test) throws Exception {
    Class<?> testClass = test.getTestClass().orElseThrow();
    startOperator(); // again, should a test have failed while it had the shared operator stopped
    TestNamespaces.deleteAll(cluster, testClass);
    AutoCloseable charts = REPOSITORIES.remove(testClass);
    if (charts != null) {
      charts.close();
    }
  }

  /**
   * Positive evidence for a test that checks that something did <em>not</em> happen: waits until the operator
   * has finished {@code completed} reconciles of the HelmRelease that began after {@code after}. Reconciles of
   * one HelmRelease never overlap, so a reconcile has finished once the next one began: this waits for
   * {@code completed + 1} to begin, and whatever the finished ones did (a Helm call, a status write) is done.
   */
  protected static void awaitReconciledSince(String namespace, String name, Instant after, int completed) {
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250)).until(() ->
        operator.reconciles(namespace, name).stream().filter(t -> t.isAfter(after)).count() > completed);
  }

  /** The Events recorded on a HelmRelease. */
  protected static List<Event> events(String namespace, String name) {
    return cluster.client().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())
            && "HelmRelease".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  /** A Secret {@code name} with username reader and {@code password}, as spec.chart.secretRef reads it. */
  protected static void createCredentials(String namespace, String name, String password) {
    cluster.kubectlWithInput("""
        apiVersion: v1
        kind: Secret
        metadata: {name: %s}
        stringData: {username: reader, password: %s}
        """.formatted(name, password), "apply", "-n", namespace, "-f", "-").orFail();
  }

  /** The Ready condition once it is False with {@code reason}. */
  protected static Condition awaitReadyFalse(String namespace, String name, String reason) {
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, namespace, name), "Ready")
        .map(c -> "False".equals(c.getStatus()) && reason.equals(c.getReason())).orElse(false));
    return condition(get(cluster, namespace, name), "Ready").orElseThrow();
  }

  /**
   * A secret value appears in none of what a user sees: the HelmReleases, the namespace's Events (which do report
   * {@code reason}) and the operator's log.
   */
  protected static void assertShownNowhere(String namespace, String secretValue, String reason) {
    assertThat(cluster.kubectl("get", "helmrelease", "-n", namespace, "-o", "yaml").orFail().output())
        .doesNotContain(secretValue);
    assertThat(cluster.kubectl("get", "events", "-n", namespace, "-o", "yaml").orFail().output())
        .contains(reason).doesNotContain(secretValue);
    assertThat(operator.log()).doesNotContain(secretValue);
  }

  /**
   * The Events on a HelmRelease once Events with all the given reasons are there. helmop records an Event right
   * after the status write it reports, so a test that saw the status must still wait a moment for the Event.
   */
  protected static List<Event> awaitEvents(String namespace, String name, String... reasons) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(events(namespace, name)).extracting(Event::getReason).contains(reasons));
    return events(namespace, name);
  }
}
