package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.awaitility.Awaitility.await;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * An edit made while the operator was stopped is found when it starts again. The test stops the operator that
 * the other classes share, so it runs alone.
 */
@Isolated
class DriftAfterRestartIT extends OperatorTest {
  static final String IMAGE = "registry.example.com/hello:1.0.0";
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart());
  }

  @Test
  void driftWhileTheOperatorWasStoppedIsFoundAfterRestart() {
    String ns = namespace("drift-restart");
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    await().atMost(Duration.ofSeconds(30)).until(() -> hasCondition(get(cluster, ns, "web"), "Drifted", "False"));

    operator.close(); // the shared operator: the next use of it starts it again
    cluster.kubectl("set", "image", "deployment/web", "hello=registry.example.com/hello:while-away", "-n", ns)
        .orFail();
    startOperator();

    await().atMost(Duration.ofSeconds(60)).until(() -> image(ns).equals(IMAGE));
    awaitEvents(ns, "web", "DriftCorrected");
  }

  private static String image(String ns) {
    return cluster.client().apps().deployments().inNamespace(ns).withName("web").get().getSpec().getTemplate()
        .getSpec().getContainers().get(0).getImage();
  }
}
