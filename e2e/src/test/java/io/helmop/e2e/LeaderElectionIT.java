package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.LastAttempt;
import io.fabric8.kubernetes.api.model.Pod;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two operator processes on one Lease: one acts, the other stands by (and is Ready, so a rolling update goes on).
 * SIGKILL of the leader in the middle of an upgrade: the standby takes over once the Lease expires, unlocks the
 * revision the dead leader left pending and converges; Helm's history never has two deployed revisions. A third
 * process without leader election refuses to start beside them; a graceful stop hands the Lease over; a leader
 * that finds its Lease taken stops at once. Prints the failover times.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class LeaderElectionIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theStandbyTakesOverAKilledLeadersUpgradeAndNeverActsBesideIt() throws Exception {
    LocalCluster cluster = LocalCluster.get();
    List<OperatorProcess> processes = new ArrayList<>();
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/ledger-service"), "1.0.0", "1.0.0")) {
      String ns = cluster.createNamespace("leader");
      int leaderHealth = OperationsIT.freePort();
      int standbyHealth = OperationsIT.freePort();
      OperatorProcess leader = start(cluster, processes, ns, leaderHealth);
      await().atMost(Duration.ofMinutes(1)).until(() -> ready(leaderHealth).startsWith("ok: leader"));
      OperatorProcess standby = start(cluster, processes, ns, standbyHealth);
      await().atMost(Duration.ofMinutes(1)).until(() -> ready(standbyHealth).startsWith("ok: standby"));
      assertThat(ready(standbyHealth)).contains("is held by helmop-");

      apply(cluster, ledger(ns, repository, "message: one"));
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/ledger", "-n", ns, "--timeout=180s").orFail();
      // the new pods wait for a scheduling gate that only this test removes: Helm's --wait holds the upgrade
      apply(cluster, ledger(ns, repository,
          "message: two\nschedulingGates: [{name: example.com/release-gate}]"));
      await().atMost(Duration.ofMinutes(2)).until(() -> {
        LastAttempt attempt = get(cluster, ns, "ledger").getStatus().getLastAttempt();
        return attempt != null && Integer.valueOf(2).equals(attempt.getRevision())
            && LastAttempt.RUNNING.equals(attempt.getResult())
            && "pending-upgrade".equals(helmStatus(cluster, ns, 2));
      });
      assertThat(standby.logged(ns, "ledger", "")).as("the standby has not reconciled anything").isEmpty();

      Instant killed = Instant.now();
      leader.kill();
      Instant tookOver = await().atMost(Duration.ofMinutes(1))
          .until(() -> logged(standby, "holds the Lease"), times -> !times.isEmpty()).get(0);
      assertThat(tookOver).isAfter(killed);
      assertThat(standby.logged(ns, "ledger", "")).as("nothing reconciled before it held the Lease")
          .allSatisfy(time -> assertThat(time).isAfterOrEqualTo(tookOver));

      // the new leader marks revision 2 failed (the process that started it is gone) and upgrades again
      await().atMost(Duration.ofMinutes(2)).until(() -> "pending-upgrade".equals(helmStatus(cluster, ns, 3)));
      assertThat(helmStatus(cluster, ns, 2)).isEqualTo("failed");
      await().atMost(Duration.ofMinutes(3)).until(() -> {
        openGate(cluster, ns);
        HelmRelease r = get(cluster, ns, "ledger");
        return r.getStatus().getObservedGeneration() == 2L && hasCondition(r, "Ready", "True");
      });
      Instant converged = Instant.now();
      JsonNode history = JSON.readTree(cluster.helm("history", "ledger", "-n", ns, "-o", "json").orFail().output());
      assertThat(history).extracting(h -> h.path("status").asText())
          .containsExactly("superseded", "failed", "deployed");
      assertThat(cluster.kubectl("get", "configmap", "ledger-service", "-n", ns, "-o", "jsonpath={.data.message}")
          .orFail().output()).isEqualTo("two");

      // a replica started without leader election beside a live leader refuses, saying why and what to do
      OperatorProcess unelected = OperatorProcess.start(cluster, Map.of(), "--leader-election=false",
          "--lease-namespace", ns, "--health-address", "off", "--metrics-address", "off");
      processes.add(unelected);
      await().atMost(Duration.ofMinutes(1)).until(() -> !unelected.isAlive());
      assertThat(unelected.exitCode()).isEqualTo(1);
      assertThat(unelected.log()).contains("holds the Lease " + ns + "/helmop-leader and acts on HelmReleases",
          "drop --leader-election=false");

      // a graceful stop hands the Lease over at once instead of letting it expire
      int thirdHealth = OperationsIT.freePort();
      OperatorProcess third = start(cluster, processes, ns, thirdHealth);
      await().atMost(Duration.ofMinutes(1)).until(() -> ready(thirdHealth).startsWith("ok: standby"));
      Instant stopped = Instant.now();
      assertThat(standby.terminate(Duration.ofSeconds(20))).isTrue();
      Instant handedOver = await().atMost(Duration.ofMinutes(1))
          .until(() -> logged(third, "holds the Lease"), times -> !times.isEmpty()).get(0);

      System.out.printf("leader election: SIGKILL of the leader -> standby holds the Lease in %d ms (lease duration "
          + "15 s, retry period 2 s); converged %d ms after the kill; graceful stop -> next leader in %d ms%n",
          Duration.between(killed, tookOver).toMillis(), Duration.between(killed, converged).toMillis(),
          Duration.between(stopped, handedOver).toMillis());
      cluster.kubectl("delete", "helmrelease", "ledger", "-n", ns, "--timeout=120s").orFail(); // uninstalled by it

      // a leader that finds the Lease held by another (it could not renew in time) stops acting at once
      cluster.client().leases().inNamespace(ns).withName("helmop-leader").edit(lease -> {
        lease.getSpec().setHolderIdentity("intruder");
        lease.getSpec().setLeaseDurationSeconds(60);
        lease.getSpec().setRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        return lease;
      });
      await().atMost(Duration.ofMinutes(1)).until(() -> !third.isAlive());
      assertThat(third.exitCode()).isEqualTo(1);
      assertThat(third.log()).contains("lost the Lease " + ns + "/helmop-leader", "it stops now");
      cluster.deleteTestNamespaces();
    } finally {
      processes.forEach(OperatorProcess::close);
      processes.forEach(p -> System.out.println("operator log: " + p.logFile()));
    }
  }

  private static OperatorProcess start(LocalCluster cluster, List<OperatorProcess> processes, String ns, int health) {
    OperatorProcess process = OperatorProcess.start(cluster, Map.of(), "--lease-namespace", ns,
        "--health-address", "127.0.0.1:" + health, "--metrics-address", "off");
    processes.add(process);
    return process;
  }

  private static String ready(int port) {
    try {
      var response = OperationsIT.http(port, "/readyz");
      return response.statusCode() == 200 ? response.body() : "";
    } catch (RuntimeException e) {
      return ""; // not listening yet
    }
  }

  /** When the operator logged a line containing the fragment (any release or none). */
  private static List<Instant> logged(OperatorProcess process, String fragment) {
    return process.log().lines().filter(line -> line.contains(fragment) && line.indexOf(' ') > 0)
        .map(line -> OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant()).toList();
  }


  /** The ledger-service chart with a 5 minute upgrade timeout, so that a held upgrade stays pending. */
  private static String ledger(String ns, ChartRepository repository, String values) {
    return helmRelease(ns, "ledger", repository.url(), "ledger-service", "1.0.0", """
        upgrade: {timeout: 5m}
        values:
        %s""".formatted(values.indent(2).stripTrailing()));
  }

  /** Helm's status of one revision of the ledger release (null when there is no such revision). */
  private static String helmStatus(LocalCluster cluster, String ns, int revision) {
    if (cluster.client().secrets().inNamespace(ns).withName("sh.helm.release.v1.ledger.v" + revision).get() == null) {
      return null;
    }
    return HelmStorage.release(cluster, ns, "ledger", revision).path("info").path("status").asText();
  }

  /** Lets the release's gated pods be scheduled (KWOK then makes them ready). */
  private static void openGate(LocalCluster cluster, String ns) {
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
