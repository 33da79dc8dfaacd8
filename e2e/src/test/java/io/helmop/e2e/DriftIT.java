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
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kubectl edits of a release's objects, noticed and undone (or only reported), on the real control plane. */
class DriftIT extends OperatorTest {
  static ChartRepository repository;
  private static final String IMAGE = "registry.example.com/hello:1.0.0";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart()
        .publish(cluster.repo().resolve("e2e/src/test/charts/sparse"), "0.1.0", "1.0.0")
        .publish(cluster.repo().resolve("e2e/src/test/charts/webhook"), "0.1.0", "1.0.0"));
  }

  /**
   * A CA injector (here: this test's own client, as cert-manager's cainjector would) fills in the caBundle of a
   * chart's webhook configuration: a field of another controller, not drift, so never taken away. A person's
   * edit of the same object afterwards is corrected, and the correction leaves the caBundle in place.
   */
  @Test
  void aCaBundleAnotherControllerFillsInIsLeftToItAndAPersonsEditIsUndone() {
    String ns = namespace("drift-cabundle");
    apply(cluster, helmRelease(ns, "web", repository.url(), "webhook", "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    awaitDrifted(ns, "False");
    String name = ns + "-web";
    var webhooks = cluster.client().admissionRegistration().v1().validatingWebhookConfigurations().withName(name);
    String bundle = java.util.Base64.getEncoder().encodeToString("-----BEGIN CERTIFICATE-----\nMIIB\n".getBytes());

    webhooks.edit(w -> {
      w.getWebhooks().get(0).getClientConfig().setCaBundle(bundle);
      return w;
    });
    cluster.kubectl("patch", "validatingwebhookconfiguration", name, "--type=json", "-p",
        "[{\"op\":\"replace\",\"path\":\"/webhooks/0/failurePolicy\",\"value\":\"Fail\"}]").orFail();

    await().atMost(Duration.ofSeconds(30)).until(() ->
        "Ignore".equals(webhooks.get().getWebhooks().get(0).getFailurePolicy()));
    awaitDrifted(ns, "False");
    assertThat(webhooks.get().getWebhooks().get(0).getClientConfig().getCaBundle()).isEqualTo(bundle);
    assertThat(awaitEvents(ns, "web", "DriftCorrected")).anySatisfy(e ->
        assertThat(e.getMessage()).contains("/webhooks/0/failurePolicy").doesNotContain("caBundle"));
  }

  /** The objects an upgrade changed are watched and checked like the others: edits right after it are undone. */
  @Test
  void editsRightAfterAnUpgradeAreNoticedAndUndone() {
    String ns = install("drift-upgraded", "values: {message: one}");
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", "values: {message: two}"));
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      HelmRelease r = get(cluster, ns, "web");
      return Integer.valueOf(2).equals(r.getStatus().getLastAppliedRevision()) && hasCondition(r, "Ready", "True");
    });

    for (int round = 1; round <= 3; round++) { // right away, and again after each correction
      kubectl(ns, "set", "env", "deployment/web", "EXTRA_" + round + "=1");
      await().atMost(Duration.ofSeconds(30)).until(() -> !envNames(ns).contains("EXTRA_"));
    }
    kubectl(ns, "patch", "configmap", "web", "--type=merge", "-p", "{\"data\":{\"message\":\"edited\"}}");
    await().atMost(Duration.ofSeconds(30)).until(() ->
        "two".equals(jsonpath(ns, "configmap/web", "{.data.message}")));
    awaitDrifted(ns, "False");
  }

  /** Public charts render `annotations:` with nothing under it when a value is unset; that once broke every check. */
  @Test
  void aChartRenderingNullsAndEmptyMapsIsCheckedAndHealedInOneRevision() {
    String ns = namespace("drift-sparse");
    apply(cluster, helmRelease(ns, "web", repository.url(), "sparse", "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    awaitDrifted(ns, "False");

    kubectl(ns, "scale", "deployment/web", "--replicas=3");
    await().atMost(Duration.ofSeconds(30)).until(() -> replicas(ns) == 1);
    awaitDrifted(ns, "False");
    HelmRelease release = get(cluster, ns, "web");
    assertThat(release.getStatus().getLastAppliedRevision()).isEqualTo(1);
    assertThat(condition(release, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(cluster.helm("history", "web", "-n", ns, "-o", "json").orFail().output())
        .as("no retry made a revision of its own").contains("\"revision\":1").doesNotContain("\"revision\":2");
  }

  @Test
  void imageAndReplicasEditsAreRevertedWithoutANewRevision() {
    String ns = install("drift-edit", "");

    Instant edited = Instant.now();
    kubectl(ns, "set", "image", "deployment/web", "hello=registry.example.com/hello:evil");
    kubectl(ns, "scale", "deployment/web", "--replicas=3");

    await().atMost(Duration.ofSeconds(30)).until(() -> image(ns).equals(IMAGE) && replicas(ns) == 1);
    assertThat(awaitEvents(ns, "web", "DriftDetected", "DriftCorrected")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("DriftDetected");
      assertThat(e.getMessage()).contains("Deployment " + ns + "/web: ");
    });
    awaitDrifted(ns, "False");
    assertThat(get(cluster, ns, "web").getStatus().getDrift()).isNull();
    assertThat(cluster.helm("history", "web", "-n", ns, "-o", "json").orFail().output())
        .doesNotContain("\"revision\":2");
    System.out.printf("drift: image+replicas edit -> restored in %d ms%n",
        Duration.between(edited, Instant.now()).toMillis());
  }

  @Test
  void aDeletedObjectIsRecreatedAndAFieldAddedLiveIsRemoved() {
    String ns = install("drift-delete", "");

    // a field the chart leaves to the server's default: not the release's business. Edited first, so the check
    // that undoes the Service's later edit has seen it.
    kubectl(ns, "patch", "service", "web", "--type=merge", "-p", "{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}");
    kubectl(ns, "delete", "configmap", "web");
    kubectl(ns, "set", "env", "deployment/web", "DEBUG=true"); // an env var the chart does not set
    kubectl(ns, "patch", "service", "web", "--type=json", "-p",
        "[{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{\"name\":\"debug\",\"port\":9999}}]");

    await().atMost(Duration.ofSeconds(30)).until(() ->
        cluster.kubectl("get", "configmap", "web", "-n", ns).exitCode() == 0
            && !envNames(ns).contains("DEBUG")
            && !jsonpath(ns, "service/web", "{.spec.ports[*].name}").contains("debug"));
    assertThat(envNames(ns)).isEqualTo("MESSAGE");
    awaitDrifted(ns, "False");
    assertThat(jsonpath(ns, "service/web", "{.spec.sessionAffinity}")).isEqualTo("ClientIP");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events(ns, "web"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains("ConfigMap " + ns + "/web: (deleted)")));
  }

  @Test
  void warnModeReportsAndChangesNothing() {
    String ns = install("drift-warn", """
        driftDetection:
          mode: Warn""");

    kubectl(ns, "set", "image", "deployment/web", "hello=registry.example.com/hello:hotfix");

    HelmRelease drifted = awaitDrifted(ns, "True");
    Condition condition = condition(drifted, "Drifted").orElseThrow();
    assertThat(condition.getReason()).isEqualTo("DriftDetected");
    assertThat(condition.getMessage()).contains("Deployment " + ns + "/web: /spec/template/spec/containers/0/image")
        .contains("mode is Warn");
    assertThat(drifted.getStatus().getDrift()).singleElement().satisfies(d -> {
      assertThat(d.getKind()).isEqualTo("Deployment");
      assertThat(d.getPaths()).containsExactly("/spec/template/spec/containers/0/image");
    });
    assertThat(cluster.kubectl("get", "hr", "web", "-n", ns).orFail().output()).contains("DRIFT");

    // a later edit is reported too: the check that found it compared the Deployment again and left it alone
    kubectl(ns, "patch", "configmap", "web", "--type=merge", "-p", "{\"data\":{\"message\":\"hotfix\"}}");
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var drift = get(cluster, ns, "web").getStatus().getDrift();
      return drift != null && drift.size() == 2;
    });
    assertThat(get(cluster, ns, "web").getStatus().getDrift()).extracting(d -> d.getKind())
        .containsExactlyInAnyOrder("Deployment", "ConfigMap");
    assertThat(image(ns)).endsWith(":hotfix");
    assertThat(jsonpath(ns, "configmap/web", "{.data.message}")).isEqualTo("hotfix");
  }

  @Test
  void ignoredFieldsAndOptedOutObjectsAreLeftAlone() {
    String ns = install("drift-ignore", """
        driftDetection:
          ignore:
            - target: {group: apps, kind: Deployment}
              paths: [/spec/replicas]""");
    kubectl(ns, "annotate", "service", "web", "helmop.io/drift-detection=disabled");

    kubectl(ns, "scale", "deployment/web", "--replicas=4"); // as an HPA would
    kubectl(ns, "patch", "service", "web", "--type=merge", "-p", "{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}");
    kubectl(ns, "set", "image", "deployment/web", "hello=registry.example.com/hello:evil");

    await().atMost(Duration.ofSeconds(30)).until(() -> image(ns).equals(IMAGE)); // the check did run
    awaitDrifted(ns, "False");
    assertThat(replicas(ns)).isEqualTo(4);
    assertThat(jsonpath(ns, "service/web", "{.spec.sessionAffinity}")).isEqualTo("ClientIP");
  }

  @Test
  void anInvalidIgnoreRuleIsNamed() {
    String ns = namespace("drift-invalid");
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", """
        driftDetection:
          ignore:
            - target: {kind: Deploymnet}
              paths: [/spec/replicas]"""));

    await().atMost(Duration.ofSeconds(30)).until(() -> hasCondition(get(cluster, ns, "web"), "Stalled", "True"));
    Condition ready = condition(get(cluster, ns, "web"), "Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).contains("spec.driftDetection.ignore[0].target.kind \"Deploymnet\"");
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).isBlank();
  }

  /**
   * How often helmop corrects while fought over (2 s, then x3) is counted by CorrectionBackoffTest on a fake
   * clock; here, the backoff is reported, and once the other controller stops, helmop's next correction sticks.
   */
  @Test
  void aControllerThatKeepsRevertingIsReportedAndOutlastedWithBackoff() throws Exception {
    // a controller's writes are its own unless listed: this release lists every writer, to be fought over
    String ns = install("drift-contested", """
        driftDetection:
          fieldManagers: ["*"]""");
    AtomicBoolean fighting = new AtomicBoolean(true);
    Thread rival = new Thread(() -> { // another controller that wants its own image
      while (fighting.get()) {
        try {
          Deployment d = cluster.client().apps().deployments().inNamespace(ns).withName("web").get();
          if (!d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().endsWith(":rival")) {
            cluster.client().apps().deployments().inNamespace(ns).withName("web").edit(x -> {
              x.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/hello:rival");
              return x;
            });
          }
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException conflict) {
          // a write conflict with helmop: try again
        }
      }
    });
    rival.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> condition(get(cluster, ns, "web"), "Drifted")
          .map(c -> "CorrectionContested".equals(c.getReason())).orElse(false));
    } finally {
      fighting.set(false);
      rival.join();
    }
    assertThat(condition(get(cluster, ns, "web"), "Drifted").orElseThrow().getMessage())
        .contains("Something keeps reverting helmop's corrections of Deployment " + ns + "/web", "backs off");
    awaitEvents(ns, "web", "CorrectionContested");

    // the rival gave up: the correction due after the backoff restores the image, and the release is in sync
    await().atMost(Duration.ofMinutes(1)).until(() -> image(ns).equals(IMAGE));
    awaitDrifted(ns, "False");
  }

  @Test
  void aCorrectionTheServerRefusesIsReportedAndTheOtherObjectsAreStillCorrected() {
    String ns = install("drift-refused", """
        driftDetection:
          mode: Warn""");
    kubectl(ns, "patch", "configmap", "web", "--type=merge", "-p", "{\"data\":{\"message\":\"edited\"}}");
    kubectl(ns, "set", "image", "deployment/web", "hello=registry.example.com/hello:evil");
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var drift = get(cluster, ns, "web").getStatus().getDrift();
      return drift != null && drift.size() == 2;
    });
    String policy = "freeze-" + ns;
    cluster.kubectlWithInput("""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: %1$s}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - {apiGroups: [""], apiVersions: [v1], operations: [UPDATE], resources: [configmaps]}
          matchConditions:
          - {name: frozen, expression: "object.metadata.namespace == '%2$s' && object.metadata.name == 'web'"}
          validations:
          - {expression: "false", message: "configmap web is frozen by policy %1$s"}
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: %1$s}
        spec: {policyName: %1$s, validationActions: [Deny]}
        """.formatted(policy, ns), "apply", "-f", "-").orFail();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.kubectl("annotate", "configmap", "web", "-n", ns,
          "probe=" + System.nanoTime(), "--overwrite").output().contains("frozen by policy"));

      apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", "")); // mode Enabled again

      await().atMost(Duration.ofSeconds(30)).until(() -> image(ns).equals(IMAGE));
      await().atMost(Duration.ofSeconds(30)).until(() -> condition(get(cluster, ns, "web"), "Drifted")
          .map(c -> "CorrectionFailed".equals(c.getReason())).orElse(false));
      // a later check (for a new generation that changes only the interval: no Helm call) reports the refusal
      // again, rather than flapping back to DriftDetected
      cluster.kubectl("patch", "helmrelease", "web", "-n", ns, "--type=merge",
          "-p", "{\"spec\":{\"interval\":\"9m\"}}").orFail();
      long generation = get(cluster, ns, "web").getMetadata().getGeneration();
      await().atMost(Duration.ofSeconds(30)).until(() -> condition(get(cluster, ns, "web"), "Drifted")
          .map(c -> Long.valueOf(generation).equals(c.getObservedGeneration())).orElse(false));
      Condition drifted = condition(get(cluster, ns, "web"), "Drifted").orElseThrow();
      assertThat(drifted.getReason()).isEqualTo("CorrectionFailed");
      assertThat(drifted.getMessage()).contains("ConfigMap " + ns + "/web: ", "frozen by policy " + policy);
      awaitEvents(ns, "web", "CorrectionFailed");
      assertThat(jsonpath(ns, "configmap/web", "{.data.message}")).isEqualTo("edited");
    } finally {
      cluster.kubectl("delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", policy);
    }
  }

  private static String install(String prefix, String extraSpec) {
    String ns = namespace(prefix);
    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", extraSpec));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    awaitDrifted(ns, "False"); // the first check has labelled and compared every object
    return ns;
  }

  private static HelmRelease awaitDrifted(String ns, String status) {
    await().atMost(Duration.ofSeconds(30)).until(() -> hasCondition(get(cluster, ns, "web"), "Drifted", status));
    return get(cluster, ns, "web");
  }

  private static void kubectl(String ns, String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-n";
    all[args.length + 1] = ns;
    cluster.kubectl(all).orFail();
  }

  private static String jsonpath(String ns, String object, String path) {
    return cluster.kubectl("get", object, "-n", ns, "-o", "jsonpath=" + path).orFail().output().strip();
  }

  private static String image(String ns) {
    return jsonpath(ns, "deployment/web", "{.spec.template.spec.containers[0].image}");
  }

  private static int replicas(String ns) {
    return Integer.parseInt(jsonpath(ns, "deployment/web", "{.spec.replicas}"));
  }

  private static String envNames(String ns) {
    return jsonpath(ns, "deployment/web", "{.spec.template.spec.containers[0].env[*].name}");
  }
}
