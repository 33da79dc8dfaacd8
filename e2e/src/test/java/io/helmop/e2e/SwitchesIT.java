package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The switches Flux users expect: an install runs with spec.install's own timeout and wait (not spec.upgrade's),
 * spec.uninstall.keepHistory keeps Helm's records, and a switch helm-java cannot honour is refused by name.
 */
class SwitchesIT extends OperatorTest {
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("e2e/src/test/charts/tested"), "1.0.0", "1.0.0"));
  }

  static String release(String ns, String name, String spec) {
    return helmRelease(ns, name, repository.url(), "tested", "1.0.0", spec);
  }

  @Test
  void anInstallTimesOutAfterItsOwnTimeoutNotTheUpgrades() {
    String ns = namespace("install-timeout");
    Instant applied = Instant.now();
    apply(cluster, release(ns, "app", """
        install: {timeout: 5s, retries: 0}
        upgrade: {timeout: 10m}
        values: {deployment: {enabled: true, schedulable: false}}"""));

    await().atMost(Duration.ofMinutes(2)).until(() -> condition(get(cluster, ns, "app"), "Released")
        .map(c -> "False".equals(c.getStatus())).orElse(false));
    System.out.printf("install with spec.install.timeout=5s (spec.upgrade.timeout=10m) failed after %d ms%n",
        Duration.between(applied, Instant.now()).toMillis());
    Condition released = condition(get(cluster, ns, "app"), "Released").orElseThrow();
    assertThat(released.getReason()).isEqualTo("InstallFailed");
    assertThat(released.getMessage()).contains("app-web");
    // atomic (spec.upgrade.atomic's default, which the install takes): the failed install is uninstalled
    assertThat(HelmStorage.status(cluster, ns, "app", 1)).isNull();
  }

  @Test
  void anInstallWithDisableWaitIsReadyWhileItsDeploymentIsNot() {
    String ns = namespace("install-nowait");
    apply(cluster, release(ns, "app", """
        install: {disableWait: true}
        upgrade: {timeout: 10m}
        values: {deployment: {enabled: true, schedulable: false}}"""));

    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "app"), "Ready", "True"));
    Deployment web = cluster.client().apps().deployments().inNamespace(ns).withName("app-web").get();
    assertThat(web.getStatus().getAvailableReplicas()).as("the Deployment never became available").isNull();
    assertThat(HelmStorage.status(cluster, ns, "app", 1)).isEqualTo("deployed");
  }

  @Test
  void uninstallKeepsHelmsHistoryOnlyWhenAskedTo() {
    String ns = namespace("uninstall");
    apply(cluster, release(ns, "kept", "uninstall: {keepHistory: true}"));
    apply(cluster, release(ns, "gone", ""));
    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "kept"), "Ready", "True")
        && hasCondition(get(cluster, ns, "gone"), "Ready", "True"));

    cluster.kubectl("delete", "helmrelease/kept", "helmrelease/gone", "-n", ns, "--wait=true", "--timeout=120s")
        .orFail();

    assertThat(HelmStorage.status(cluster, ns, "kept", 1)).isEqualTo("uninstalled");
    assertThat(HelmStorage.status(cluster, ns, "gone", 1)).isNull();
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("kept-settings").get())
        .as("the objects are gone either way").isNull();
  }

  @Test
  void disableSchemaValidationInstallsValuesTheChartsSchemaRefuses() {
    String ns = namespace("schema");
    apply(cluster, release(ns, "checked", "values: {message: Not-Lowercase}"));
    apply(cluster, release(ns, "unchecked", """
        install: {disableSchemaValidation: true}
        values: {message: Not-Lowercase}"""));

    awaitReadyFalse(ns, "checked", "ValuesInvalid");
    await().atMost(Duration.ofMinutes(2)).until(() -> hasCondition(get(cluster, ns, "unchecked"), "Ready", "True"));
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("unchecked-settings").get().getData()
        .get("message")).isEqualTo("Not-Lowercase");
    assertThat(HelmStorage.status(cluster, ns, "checked", 1)).isNull();
  }

  @Test
  void aSwitchHelmJavaCannotHonourIsRefusedByName() {
    String ns = namespace("refused");
    apply(cluster, release(ns, "app", "install: {replace: true}"));

    Condition ready = awaitReadyFalse(ns, "app", "InvalidSpec");
    assertThat(ready.getMessage()).contains("spec.install.replace is true").contains("helm-java 0.0.21");
    assertThat(condition(get(cluster, ns, "app"), "Stalled").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(HelmStorage.status(cluster, ns, "app", 1)).as("nothing released").isNull();
  }
}
