package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.TestNamespaces;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * SIGKILL in the middle of an upgrade leaves Helm's revision pending-upgrade, which blocks every further Helm
 * operation. The next operator process knows from status.lastAttempt that a process that is gone started it,
 * marks it failed at once (not after the 5 minute timeout) and upgrades again.
 */
@Isolated // its own operator: the shared one is stopped meanwhile
class RecoveryIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void operatorKilledMidUpgradeLeavesNothingPendingOnceRestarted() throws Exception {
    LocalCluster cluster = LocalCluster.get();
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/ledger-service"), "1.0.0", "1.0.0")) {
      String ns = TestNamespaces.create(cluster, "recovery");
      OperatorProcess first = OperatorProcess.start(cluster, Map.of());
      OperatorProcess second = null;
      try {
        apply(cluster, ledger(ns, repository, "message: one"));
        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();

        // the new pods wait for a scheduling gate that only this test removes: Helm's --wait holds the upgrade
        apply(cluster, ledger(ns, repository, "message: two\nschedulingGates: [{name: example.com/release-gate}]"));
        await().atMost(Duration.ofMinutes(2)).until(() -> {
          HelmRelease r = get(cluster, ns, "ledger");
          LastAttempt attempt = r.getStatus().getLastAttempt();
          return attempt != null && Integer.valueOf(2).equals(attempt.getRevision())
              && LastAttempt.RUNNING.equals(attempt.getResult())
              && "pending-upgrade".equals(helmStatus(cluster, ns, 2));
        });
        first.kill();
        assertThat(helmStatus(cluster, ns, 2)).isEqualTo("pending-upgrade"); // what plain Helm would refuse to touch

        second = OperatorProcess.start(cluster, Map.of());
        // the new process marks revision 2 failed and starts revision 3 long before 5m + 1m have passed
        await().atMost(Duration.ofMinutes(2)).until(() -> "pending-upgrade".equals(helmStatus(cluster, ns, 3)));
        assertThat(helmStatus(cluster, ns, 2)).isEqualTo("failed");
        await().atMost(Duration.ofMinutes(3)).until(() -> {
          openGate(cluster, ns);
          HelmRelease r = get(cluster, ns, "ledger");
          return r.getStatus().getObservedGeneration() == 2L && hasCondition(r, "Ready", "True");
        });

        HelmRelease recovered = get(cluster, ns, "ledger");
        assertThat(recovered.getStatus().getLastAppliedRevision()).isEqualTo(3);
        assertThat(recovered.getStatus().getLastAttempt().getResult()).isEqualTo(LastAttempt.SUCCEEDED);
        JsonNode history = JSON.readTree(cluster.helm("history", "ledger", "-n", ns, "-o", "json").orFail().output());
        assertThat(history).extracting(h -> h.path("status").asText())
            .containsExactly("superseded", "failed", "deployed");
        assertThat(history.get(1).path("description").asText())
            .contains("helmop: marked failed, the helmop process that started it");
        assertThat(cluster.kubectl("get", "configmap", "ledger-service", "-n", ns, "-o", "jsonpath={.data.message}")
            .orFail().output()).isEqualTo("two");
        assertThat(second.log()).contains("(the helmop process that started it (", "is gone); marking it failed");
        TestNamespaces.deleteAll(cluster); // while an operator runs, so the release is uninstalled
      } finally {
        first.close();
        if (second != null) {
          second.close();
          System.out.println("operator logs: " + first.logFile() + " " + second.logFile());
        }
      }
    }
  }

  static String ledger(String ns, ChartRepository repository, String values) {
    return helmRelease(ns, "ledger", repository.url(), "ledger-service", "1.0.0", """
        upgrade: {timeout: 5m}
        values:
        %s""".formatted(values.indent(2).stripTrailing()));
  }

  static String helmStatus(LocalCluster cluster, String ns, int revision) {
    return HelmStorage.status(cluster, ns, "ledger", revision);
  }

  /** Removes the scheduling gate from the release's pods, letting them be scheduled (and made ready by KWOK). */
  static void openGate(LocalCluster cluster, String ns) {
    for (Pod pod : cluster.client().pods().inNamespace(ns).withLabel("app.kubernetes.io/name", "ledger-service")
        .list().getItems()) {
      if (pod.getSpec().getSchedulingGates() != null && !pod.getSpec().getSchedulingGates().isEmpty()) {
        cluster.client().pods().inNamespace(ns).withName(pod.getMetadata().getName()).edit(p -> {
          p.getSpec().setSchedulingGates(null);
          return p;
        });
      }
    }
  }
}
