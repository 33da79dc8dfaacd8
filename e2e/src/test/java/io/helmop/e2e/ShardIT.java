package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * `--shard`: two instances on one cluster, one started with --shard=blue and one without. Each HelmRelease is
 * reconciled by exactly one of them: the labelled ones by their shard's instance, the unlabelled ones by the
 * instance without the flag, and a release of a shard no instance serves by none, until it is relabelled.
 */
@org.junit.jupiter.api.parallel.Isolated // operators of its own, or they stop the shared one
class ShardIT {
  @Test
  void eachHelmReleaseIsReconciledByTheInstanceOfItsShardOnly() {
    LocalCluster cluster = LocalCluster.get();
    String ns = cluster.createNamespace("shard");
    try (ChartRepository repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0");
        OperatorProcess blue = OperatorProcess.start(cluster, Map.of("HELMOP_LOG_LEVEL", "DEBUG"),
            "--shard", "blue", "--namespaces", ns, "--lease-namespace", ns,
            "--health-address", "off", "--metrics-address", "off");
        OperatorProcess unsharded = OperatorProcess.start(cluster, Map.of("HELMOP_LOG_LEVEL", "DEBUG"),
            "--namespaces", ns, "--lease-namespace", ns, "--health-address", "off", "--metrics-address", "off")) {
      try {
        apply(cluster, labelled(helmRelease(ns, "in-blue", repository.url(), "0.1.0", ""), "blue"));
        apply(cluster, labelled(helmRelease(ns, "in-green", repository.url(), "0.1.0", ""), "green"));
        apply(cluster, helmRelease(ns, "in-none", repository.url(), "0.1.0", ""));

        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/in-blue", "helmrelease/in-none", "-n", ns,
            "--timeout=180s").orFail();
        assertThat(blue.logged(ns, "in-blue", OperatorProcess.RECONCILE_STARTED)).isNotEmpty();
        assertThat(unsharded.logged(ns, "in-none", OperatorProcess.RECONCILE_STARTED)).isNotEmpty();
        assertThat(blue.logged(ns, "in-none", "")).as("the unlabelled release is not the blue shard's").isEmpty();
        assertThat(unsharded.logged(ns, "in-blue", "")).as("a labelled release is its shard's only").isEmpty();
        // both instances lead at once: each shard has a Lease of its own
        assertThat(cluster.kubectl("get", "lease", "-n", ns, "-o", "name").orFail().output())
            .contains("lease.coordination.k8s.io/helmop-leader-blue", "lease.coordination.k8s.io/helmop-leader");

        // no instance serves the green shard: the release waits, untouched, with no status and no Helm release
        assertThat(get(cluster, ns, "in-green").getStatus()).isNull();
        assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).doesNotContain("in-green");
        assertThat(blue.logged(ns, "in-green", "")).isEmpty();
        assertThat(unsharded.logged(ns, "in-green", "")).isEmpty();

        // moved to the blue shard, it is taken up there
        cluster.kubectl("label", "helmrelease", "in-green", "-n", ns, "helmop.io/shard=blue", "--overwrite")
            .orFail();
        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/in-green", "-n", ns, "--timeout=180s")
            .orFail();
        assertThat(blue.logged(ns, "in-green", OperatorProcess.RECONCILE_STARTED)).isNotEmpty();
        assertThat(unsharded.logged(ns, "in-green", "")).isEmpty();
      } finally {
        cluster.kubectl("delete", "helmrelease", "--all", "-n", ns, "--wait=true", "--timeout=120s");
        cluster.kubectl("delete", "namespace", ns, "--wait=false");
      }
    }
  }

  private static String labelled(String helmRelease, String shard) {
    return helmRelease.replace("metadata:\n", "metadata:\n  labels: {helmop.io/shard: " + shard + "}\n");
  }
}
