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
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** `kubectl annotate helmrelease NAME helmop.io/rollback-to=N`, as the README documents it. */
class RollbackIT extends OperatorTest {
  static ChartRepository repository;
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ANNOTATION = "helmop.io/rollback-to";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    var chart = cluster.repo().resolve("e2e/src/test/charts/ledger-service");
    repository = startOperator(new ChartRepository(cluster).publish(chart, "1.0.0", "1.0.0")
        .publish(chart, "2.0.0", "2.0.0"));
  }

  static String ledger(String ns, String version, String message) {
    return helmRelease(ns, "ledger", repository.url(), "ledger-service", version, """
        interval: 5s
        values: {message: %s}""".formatted(message));
  }

  @Test
  void rollbackToAnEarlierRevisionReproducesItsChartAndValuesAndHoldsUntilTheSpecChanges() throws Exception {
    String ns = namespace("rollback");
    apply(cluster, ledger(ns, "1.0.0", "one"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();
    apply(cluster, ledger(ns, "2.0.0", "two"));
    awaitReady(ns, 2L);
    assertThat(get(cluster, ns, "ledger").getStatus().getLastAppliedRevision()).isEqualTo(2);

    // a revision Helm does not keep: refused, nothing changes
    cluster.kubectl("annotate", "helmrelease", "ledger", "-n", ns, ANNOTATION + "=99").orFail();
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "ledger"), "RolledBack")
        .map(c -> "RollbackTargetNotFound".equals(c.getReason())).orElse(false));
    HelmRelease refused = get(cluster, ns, "ledger");
    assertThat(condition(refused, "RolledBack").orElseThrow().getMessage()).contains("revision 99")
        .contains("keeps 1 to 2");
    assertThat(hasCondition(refused, "Ready", "True")).isTrue();
    assertThat(awaitEvents(ns, "ledger", "RollbackTargetNotFound"))
        .filteredOn(e -> "RollbackTargetNotFound".equals(e.getReason()))
        .singleElement().extracting(Event::getType).isEqualTo("Warning");
    await().atMost(Duration.ofSeconds(30)).until(() -> !annotated(ns));
    assertThat(helmHistory(ns)).hasSize(2);

    // revision 1's chart version is gone from the repository: helmop rebuilds it from Helm's record
    repository.remove("ledger-service", "1.0.0");
    cluster.kubectl("annotate", "helmrelease", "ledger", "-n", ns, ANNOTATION + "=1").orFail();
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      HelmRelease r = get(cluster, ns, "ledger");
      return r.getStatus().getRollback() != null && hasCondition(r, "Ready", "True") && !annotated(ns);
    });
    Instant rolledBackSeen = Instant.now();
    HelmRelease rolledBack = get(cluster, ns, "ledger");
    assertThat(rolledBack.getStatus().getRollback().getToRevision()).isEqualTo(1);
    assertThat(rolledBack.getStatus().getRollback().getRevision()).isEqualTo(3);
    assertThat(rolledBack.getStatus().getLastAppliedRevision()).isEqualTo(3);
    assertThat(rolledBack.getStatus().getChart()).isEqualTo("ledger-service-1.0.0");
    assertThat(condition(rolledBack, "Ready").orElseThrow().getReason()).isEqualTo("RolledBack");
    assertThat(condition(rolledBack, "Ready").orElseThrow().getMessage()).contains("reproduces revision 1")
        .contains("until the spec or the values change");
    JsonNode history = helmHistory(ns);
    assertThat(history).extracting(h -> h.path("status").asText())
        .containsExactly("superseded", "superseded", "deployed");
    assertThat(history.get(2).path("chart").asText()).isEqualTo("ledger-service-1.0.0");
    assertThat(history.get(2).path("app_version").asText()).isEqualTo("1.0.0");
    assertThat(history.get(2).path("description").asText()).isEqualTo("helmop: rollback to revision 1");
    assertThat(cluster.helm("get", "values", "ledger", "-n", ns).orFail().output()).contains("message: one");
    assertThat(cluster.kubectl("get", "configmap", "ledger-service", "-n", ns, "-o", "jsonpath={.data.message}")
        .orFail().output()).isEqualTo("one");
    cluster.kubectl("rollout", "status", "deployment/ledger-service", "-n", ns, "--timeout=60s").orFail();
    assertThat(awaitEvents(ns, "ledger", "RolledBack")).filteredOn(e -> "RolledBack".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("Database migrations"));

    // it holds: the spec still says 2.0.0/two, yet a later reconcile (the 5 s interval's) releases nothing
    awaitReconciledSince(ns, "ledger", rolledBackSeen, 1);
    assertThat(helmHistory(ns)).hasSize(3);
    assertThat(get(cluster, ns, "ledger").getStatus().getLastAppliedRevision()).isEqualTo(3);

    // a change to the spec is released as usual and ends the rollback
    apply(cluster, ledger(ns, "2.0.0", "three"));
    awaitReady(ns, 3L);
    HelmRelease upgraded = get(cluster, ns, "ledger");
    assertThat(upgraded.getStatus().getLastAppliedRevision()).isEqualTo(4);
    assertThat(upgraded.getStatus().getChart()).isEqualTo("ledger-service-2.0.0");
    assertThat(upgraded.getStatus().getRollback()).isNull();
    assertThat(condition(upgraded, "RolledBack")).isEmpty();
    assertThat(condition(upgraded, "Ready").orElseThrow().getReason()).isEqualTo("UpgradeSucceeded");
  }

  private static boolean annotated(String ns) {
    var annotations = get(cluster, ns, "ledger").getMetadata().getAnnotations();
    return annotations != null && annotations.containsKey(ANNOTATION);
  }

  private static void awaitReady(String ns, long generation) {
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      HelmRelease r = get(cluster, ns, "ledger");
      return r.getStatus() != null && r.getStatus().getObservedGeneration() == generation
          && hasCondition(r, "Ready", "True");
    });
  }

  private static JsonNode helmHistory(String ns) throws Exception {
    return JSON.readTree(cluster.helm("history", "ledger", "-n", ns, "-o", "json").orFail().output());
  }
}
