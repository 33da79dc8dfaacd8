package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An operator locked down for tenants (`--no-cross-namespace-refs --adopt-releases=false`): a HelmRelease naming
 * another namespace (targetNamespace, dependsOn) stalls with InvalidSpec naming the field and value, and nothing
 * is installed there; a release the helm CLI installed is not adopted (AdoptionRefused), keeps its one revision,
 * and survives the deletion of the HelmRelease that named it.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class ReleaseLockdownIT {
  @Test
  void aLockedDownOperatorRefusesOtherNamespacesAndAdoption() {
    LocalCluster cluster = LocalCluster.get();
    String tenant = cluster.createNamespace("lock");
    String elsewhere = cluster.createNamespace("lock-else");
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0");
        OperatorProcess operator = OperatorProcess.start(cluster, Map.of("HELMOP_ADOPT_RELEASES", "false"),
            "--no-cross-namespace-refs")) {
      try {
        apply(cluster, helmRelease(tenant, "escape", repository.url(), "0.1.0", "targetNamespace: " + elsewhere));
        apply(cluster, helmRelease(tenant, "reach", repository.url(), "0.1.0",
            "dependsOn: [{name: base, namespace: " + elsewhere + "}]"));
        cluster.helm("install", "cli", "hello", "--repo", repository.url(), "--version", "0.1.0", "-n", tenant)
            .orFail();
        apply(cluster, helmRelease(tenant, "cli", repository.url(), "0.1.0", "values: {message: helmop}"));
        apply(cluster, helmRelease(tenant, "fine", repository.url(), "0.1.0", ""));

        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/fine", "-n", tenant, "--timeout=180s")
            .orFail();
        Condition escape = awaitReadyFalse(cluster, tenant, "escape", "InvalidSpec");
        Condition reach = awaitReadyFalse(cluster, tenant, "reach", "InvalidSpec");
        Condition cli = awaitReadyFalse(cluster, tenant, "cli", "AdoptionRefused");
        System.out.println("targetNamespace: " + escape.getMessage());
        System.out.println("dependsOn: " + reach.getMessage());
        System.out.println("adoption: " + cli.getMessage());

        assertThat(escape.getMessage()).startsWith("spec.targetNamespace \"" + elsewhere + "\" is outside this "
            + "HelmRelease's namespace \"" + tenant + "\"");
        assertThat(reach.getMessage()).startsWith("spec.dependsOn[0].namespace \"" + elsewhere + "\"");
        assertThat(cli.getMessage()).contains("Helm release cli in namespace " + tenant + " (revision 1, "
            + "hello-0.1.0)").contains("--adopt-releases=false");
        for (String name : List.of("escape", "reach", "cli")) {
          assertThat(condition(get(cluster, tenant, name), "Stalled").map(Condition::getStatus)).contains("True");
        }
        assertThat(cluster.helm("list", "-n", elsewhere, "-q").orFail().output()).isBlank();
        assertThat(history(cluster, tenant, "cli")).as("not adopted: one revision").isEqualTo(1);
        assertThat(operator.log()).contains("references to other namespaces: refused");

        cluster.kubectl("delete", "helmrelease/cli", "-n", tenant, "--wait=true", "--timeout=60s").orFail();
        assertThat(history(cluster, tenant, "cli")).as("the CLI's release survives").isEqualTo(1);
        assertThat(cluster.helm("status", "cli", "-n", tenant).orFail().output()).contains("STATUS: deployed");
        assertThat(events(cluster, tenant, "cli")).contains("AdoptionRefused").doesNotContain("Uninstalled");
      } finally {
        cluster.kubectl("delete", "helmrelease", "--all", "-n", tenant, "--wait=true", "--timeout=120s");
        cluster.deleteTestNamespaces();
      }
    }
  }

  private static Condition awaitReadyFalse(LocalCluster cluster, String ns, String name, String reason) {
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, name), "Ready")
        .map(c -> "False".equals(c.getStatus()) && reason.equals(c.getReason())).orElse(false));
    return condition(get(cluster, ns, name), "Ready").orElseThrow();
  }

  private static int history(LocalCluster cluster, String ns, String release) {
    return cluster.client().secrets().inNamespace(ns).withLabels(Map.of("owner", "helm", "name", release)).list()
        .getItems().size();
  }

  private static List<String> events(LocalCluster cluster, String ns, String name) {
    return cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
  }
}
