package io.helmop.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Base of end-to-end test classes that share one operator process and one chart repository: starts them in
 * the subclass's {@code @BeforeAll} (through {@link #startOperator}), and cleans up after the class.
 */
public abstract class OperatorTest {
  protected static LocalCluster cluster;
  protected static ChartRepository repository;
  protected static OperatorProcess operator;

  /** Starts the operator with charts already published to {@code charts}. */
  protected static void startOperator(ChartRepository charts) {
    repository = charts;
    operator = OperatorProcess.start(cluster, Map.of());
  }

  @AfterAll
  static void stopOperator() {
    cluster.deleteTestNamespaces(); // while the operator runs, so the releases get uninstalled
    if (operator != null) {
      operator.close();
      System.out.println("operator log: " + operator.logFile());
    }
    if (repository != null) {
      repository.close();
    }
  }

  /** The Events recorded on a HelmRelease. */
  protected static List<Event> events(String namespace, String name) {
    return cluster.client().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())
            && "HelmRelease".equals(e.getInvolvedObject().getKind()))
        .toList();
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
