package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Values in the seed's layout: chart defaults < environment file < ConfigMap/Secret < inline. */
class ValuesCompositionIT extends OperatorTest {
  static ChartRepository repository;
  static final String SECRET_VALUE = "s3cret-do-not-print-7f2a";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart());
  }

  @Test
  void valuesFilesValuesFromAndInlineValuesMergeInOrderAndSecretsStayOutOfStatusEventsAndLogs() {
    String ns = namespace("values");
    cluster.kubectlWithInput("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: web-values}
        data:
          values.yaml: |
            replicaCount: 3
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: web-secret}
        stringData:
          password: %s
        """.formatted(SECRET_VALUE), "apply", "-n", ns, "-f", "-").orFail();
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", """
        valuesFiles: [values.yaml, values-production.yaml]
        valuesFrom:
        - {kind: ConfigMap, name: web-values}
        - {kind: Secret, name: web-secret, valuesKey: password, targetPath: database.password}
        - {kind: ConfigMap, name: not-there, optional: true}
        values:
          fullnameOverride: web"""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();

    // production file over defaults, the ConfigMap over the file
    assertThat(cluster.kubectl("get", "configmap", "web", "-n", ns, "-o", "jsonpath={.data.message}").orFail()
        .output()).isEqualTo("hello from production");
    assertThat(cluster.kubectl("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}").orFail()
        .output()).isEqualTo("3");
    assertThat(cluster.helm("get", "values", "web", "-n", ns, "-o", "json").orFail().output())
        .contains("\"password\":\"" + SECRET_VALUE + "\"");

    // editing the ConfigMap upgrades within seconds (interval is 10m: only the watch can do it) ...
    cluster.kubectl("patch", "configmap", "web-values", "-n", ns, "--type=merge",
        "-p", "{\"data\":{\"values.yaml\":\"replicaCount: 4\\n\"}}").orFail();
    await().atMost(Duration.ofSeconds(60)).until(() -> Integer.valueOf(2)
        .equals(get(cluster, ns, "web").getStatus().getLastAppliedRevision()));
    assertThat(cluster.kubectl("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}").orFail()
        .output()).isEqualTo("4");
    // ... and a change that leaves the merged values as they are makes no revision. The evidence that a
    // reconcile saw it: the one for a later change of the HelmRelease's interval (not part of what Helm is
    // given, so no Helm call either), woken after the edit, reports the new generation, and still revision 2.
    cluster.kubectl("patch", "configmap", "web-values", "-n", ns, "--type=merge",
        "-p", "{\"data\":{\"notes\":\"not read by the release\"}}").orFail();
    cluster.kubectl("patch", "helmrelease", "web", "-n", ns, "--type=merge",
        "-p", "{\"spec\":{\"interval\":\"9m\"}}").orFail();
    long generation = get(cluster, ns, "web").getMetadata().getGeneration();
    await().atMost(Duration.ofMinutes(1)).until(() ->
        Long.valueOf(generation).equals(get(cluster, ns, "web").getStatus().getObservedGeneration()));
    assertThat(get(cluster, ns, "web").getStatus().getLastAppliedRevision()).isEqualTo(2);
    assertThat(cluster.helm("history", "web", "-n", ns, "-o", "json").orFail().output())
        .doesNotContain("\"revision\":3");

    // a required reference that is missing: Ready=False naming the object and key, and the release keeps serving
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", """
        valuesFiles: [values.yaml, values-production.yaml]
        valuesFrom:
        - {kind: Secret, name: web-secret, valuesKey: token}
        values:
          fullnameOverride: web"""));
    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "web"), "Ready")
        .map(c -> "ValuesFromNotFound".equals(c.getReason())).orElse(false));
    assertThat(condition(get(cluster, ns, "web"), "Ready").orElseThrow().getMessage())
        .contains("spec.valuesFrom[0]", "Secret " + ns + "/web-secret", "\"token\"");
    assertThat(cluster.helm("list", "-n", ns, "-o", "json").orFail().output()).contains("\"status\":\"deployed\"");

    assertThat(cluster.kubectl("get", "helmrelease", "web", "-n", ns, "-o", "yaml").orFail().output())
        .doesNotContain(SECRET_VALUE);
    assertThat(cluster.kubectl("get", "events", "-n", ns, "-o", "yaml").orFail().output())
        .doesNotContain(SECRET_VALUE);
    assertThat(operator.log()).doesNotContain(SECRET_VALUE);
  }
}
