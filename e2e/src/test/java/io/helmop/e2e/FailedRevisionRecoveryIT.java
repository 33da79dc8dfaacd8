package io.helmop.e2e;

import static io.helmop.e2e.support.ChartRepository.writeChart;
import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmStorage;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.TestNamespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The wedge: Helm diffs every upgrade against the last <em>deployed</em> revision, so a field only a
 * failed revision set (a nodeSelector no node matches) stays on the live Deployment, and every later upgrade, and
 * Helm's own rollback of it, waits for pods that can never be scheduled. helmop puts the objects back as the last
 * deployed revision has them, once, before its next Helm call: after a SIGKILL during the wait, and after an
 * atomic upgrade whose rollback failed.
 */
@Isolated // its own operator processes: the shared one is stopped meanwhile
class FailedRevisionRecoveryIT {
  static final ObjectMapper JSON = new ObjectMapper();
  /** The KWOK node is labelled type=kwok: this selector matches no node. */
  static final String NOWHERE = "nodeSelector: {type: nowhere}";
  /** The operator logs each reconcile's start at DEBUG: the tests count reconciles. */
  static final Map<String, String> DEBUG = Map.of("HELMOP_LOG_LEVEL", "DEBUG");

  @Test
  void anUpgradeKilledWhileItWaitsOnANodeSelectorNoNodeMatchesConvergesOnceTheSpecIsFixed() throws Exception {
    LocalCluster cluster = LocalCluster.get();
    try (ChartRepository repository = new ChartRepository(cluster).publish(placedChart(), "1.0.0", "1.0.0")) {
      String ns = TestNamespaces.create(cluster, "killed");
      OperatorProcess first = OperatorProcess.start(cluster, DEBUG);
      OperatorProcess second = null;
      try {
        apply(cluster, placed(ns, repository, "upgrade: {timeout: 10m}", "message: one"));
        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/placed", "-n", ns, "--timeout=180s").orFail();

        apply(cluster, placed(ns, repository, "upgrade: {timeout: 10m}", "message: two\n" + NOWHERE));
        await().atMost(Duration.ofMinutes(2)).until(() -> {
          LastAttempt attempt = get(cluster, ns, "placed").getStatus().getLastAttempt();
          return attempt != null && Integer.valueOf(2).equals(attempt.getRevision())
              && LastAttempt.RUNNING.equals(attempt.getResult())
              && "pending-upgrade".equals(HelmStorage.status(cluster, ns, "placed", 2))
              && nodeSelector(cluster, ns) != null; // Helm applied it and waits for pods that cannot be placed
        });
        first.kill();
        // the fix arrives while no operator runs, as in the issue
        apply(cluster, placed(ns, repository, "upgrade: {timeout: 10m}\ninterval: 5s", "message: two"));
        assertThat(HelmStorage.status(cluster, ns, "placed", 2)).isEqualTo("pending-upgrade");
        assertThat(nodeSelector(cluster, ns)).containsEntry("type", "nowhere");

        Instant restarted = Instant.now();
        second = OperatorProcess.start(cluster, DEBUG);
        await().atMost(Duration.ofMinutes(3)).until(() -> {
          HelmRelease r = get(cluster, ns, "placed");
          return r.getStatus().getObservedGeneration() == 3L && hasCondition(r, "Ready", "True");
        });
        System.out.printf("killed upgrade (nodeSelector no node matches, timeout 10m): Ready with the fix %.1f s "
            + "after the restart%n", Duration.between(restarted, Instant.now()).toMillis() / 1000.0);

        HelmRelease recovered = get(cluster, ns, "placed");
        assertThat(recovered.getStatus().getLastAppliedRevision()).isEqualTo(3);
        JsonNode history = helmHistory(cluster, ns);
        assertThat(history).as("bounded: one failed revision, no churn").extracting(h -> h.path("status").asText())
            .containsExactly("superseded", "failed", "deployed");
        assertThat(history.get(1).path("description").asText())
            .contains("helmop: marked failed, the helmop process that started it").contains("objects restored to "
                + "revision 1");
        Deployment live = deployment(cluster, ns);
        assertThat(live.getSpec().getTemplate().getSpec().getNodeSelector()).as("the killed revision's field")
            .isNullOrEmpty();
        assertThat(live.getSpec().getTemplate().getMetadata().getAnnotations())
            .containsEntry("example.com/message", "two");
        assertThat(live.getStatus().getReadyReplicas()).isEqualTo(1);
        assertThat(events(cluster, ns)).extracting(Event::getReason).contains("ObjectsRestored");
        assertThat(second.log()).contains("are back as revision 1 has them");

        assertUnchangedAfterMoreReconciles(cluster, ns, second, recovered, 3);
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

  /**
   * An admission policy (standing in for anything that makes Helm's rollback fail: a webhook, a quota, RBAC)
   * refuses to take the nodeSelector off the Deployment, so the atomic upgrade's rollback fails and leaves the
   * failed revision's objects live. helmop reports that it cannot restore them and makes no Helm call; once the
   * policy is gone it restores them, and the fix is released as the next revision.
   */
  @Test
  void anAtomicUpgradeWhoseRollbackFailedIsRestoredBeforeTheNextUpgrade() throws Exception {
    LocalCluster cluster = LocalCluster.get();
    String policy = null;
    try (ChartRepository repository = new ChartRepository(cluster).publish(placedChart(), "1.0.0", "1.0.0")) {
      String ns = TestNamespaces.create(cluster, "rollback");
      OperatorProcess operator = OperatorProcess.start(cluster, DEBUG);
      try {
        policy = keepNodeSelector(cluster, ns);
        String upgrade = "upgrade: {timeout: 20s, retries: 0}\ninterval: 5s";
        apply(cluster, placed(ns, repository, upgrade, "message: one"));
        cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/placed", "-n", ns, "--timeout=180s").orFail();

        apply(cluster, placed(ns, repository, upgrade, "message: two\n" + NOWHERE));
        // Helm waits 20 s, rolls back, and the policy refuses the rollback: revision 3 (the rollback) failed
        await().atMost(Duration.ofMinutes(2)).until(() -> "failed".equals(HelmStorage.status(cluster, ns, "placed", 3)));
        Condition refused = await().atMost(Duration.ofMinutes(1)).until(
            () -> condition(get(cluster, ns, "placed"), "Ready").orElse(null),
            c -> c != null && "RestoreFailed".equals(c.getReason()));
        System.out.println("Ready while the policy refuses: " + refused.getReason() + ": " + refused.getMessage());
        assertThat(refused.getStatus()).isEqualTo("False");
        assertThat(refused.getMessage()).contains("Deployment " + ns + "/placed", "the nodeSelector stays",
            "helmop makes no Helm call until they are");
        Instant seen = Instant.now();
        await().atMost(Duration.ofMinutes(1)).until(() ->
            operator.reconciles(ns, "placed").stream().filter(t -> t.isAfter(seen)).count() >= 3);
        assertThat(helmHistory(cluster, ns)).as("no Helm call while the objects cannot be restored").hasSize(3);
        assertThat(events(cluster, ns)).filteredOn(e -> "RestoreFailed".equals(e.getReason())).hasSize(1);

        cluster.kubectl("delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", policy).orFail();
        policy = null;
        await().atMost(Duration.ofMinutes(1)).until(() -> nodeSelector(cluster, ns) == null);
        apply(cluster, placed(ns, repository, upgrade, "message: three"));
        await().atMost(Duration.ofMinutes(2)).until(() -> {
          HelmRelease r = get(cluster, ns, "placed");
          return r.getStatus().getObservedGeneration() == 3L && hasCondition(r, "Ready", "True");
        });

        HelmRelease recovered = get(cluster, ns, "placed");
        assertThat(recovered.getStatus().getLastAppliedRevision()).isEqualTo(4);
        JsonNode history = helmHistory(cluster, ns);
        System.out.println("helm history: " + history);
        assertThat(history).extracting(h -> h.path("status").asText()).hasSize(4).endsWith("failed", "deployed")
            .containsOnlyOnce("deployed");
        assertThat(history.get(2).path("description").asText()).contains("objects restored to revision 1");
        Deployment live = deployment(cluster, ns);
        assertThat(live.getSpec().getTemplate().getSpec().getNodeSelector()).isNullOrEmpty();
        assertThat(live.getSpec().getTemplate().getMetadata().getAnnotations())
            .containsEntry("example.com/message", "three");
        assertThat(events(cluster, ns)).extracting(Event::getReason).contains("ObjectsRestored");

        assertUnchangedAfterMoreReconciles(cluster, ns, operator, recovered, 4);
        TestNamespaces.deleteAll(cluster);
      } finally {
        if (policy != null) {
          cluster.kubectl("delete", "--ignore-not-found", "validatingadmissionpolicybinding,validatingadmissionpolicy",
              policy);
        }
        operator.close();
        System.out.println("operator log: " + operator.logFile());
      }
    }
  }

  /** Idempotent once recovered: more reconciles (interval 5s) make no Helm revision and no status write. */
  static void assertUnchangedAfterMoreReconciles(LocalCluster cluster, String ns, OperatorProcess operator,
      HelmRelease recovered, int revisions) {
    Instant after = Instant.now();
    await().atMost(Duration.ofMinutes(1)).until(() ->
        operator.reconciles(ns, "placed").stream().filter(t -> t.isAfter(after)).count() >= 3);
    assertThat(helmHistory(cluster, ns)).hasSize(revisions);
    assertThat(get(cluster, ns, "placed").getMetadata().getResourceVersion()).as("no status write")
        .isEqualTo(recovered.getMetadata().getResourceVersion());
  }

  /** A Deployment whose pods go where values.nodeSelector says, and its message in the pod template. */
  static Path placedChart() throws Exception {
    return writeChart(Files.createTempDirectory("recovery-charts-"), "placed", Map.of(
        "values.yaml", "message: one\nnodeSelector: {}\n",
        "templates/deployment.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: {{ .Release.Name }}}
              template:
                metadata:
                  labels: {app: {{ .Release.Name }}}
                  annotations: {example.com/message: {{ .Values.message | quote }}}
                spec:
                  {{- with .Values.nodeSelector }}
                  nodeSelector:
                    {{- toYaml . | nindent 8 }}
                  {{- end }}
                  containers:
                    - name: app
                      image: registry.example.com/placed:1.0.0
                      readinessProbe: {httpGet: {path: /ready, port: 8080}}
                      livenessProbe: {httpGet: {path: /live, port: 8080}}
                      resources:
                        requests: {cpu: 10m, memory: 16Mi}
                        limits: {cpu: 100m, memory: 64Mi}
            """));
  }

  static String placed(String ns, ChartRepository repository, String spec, String values) {
    return helmRelease(ns, "placed", repository.url(), "placed", "1.0.0", spec + "\nvalues:\n"
        + values.indent(2).stripTrailing());
  }

  /**
   * A ValidatingAdmissionPolicy (and its binding, both named after the namespace) that refuses any update taking
   * the nodeSelector off a Deployment of the namespace.
   */
  static String keepNodeSelector(LocalCluster cluster, String ns) {
    String name = "keep-node-selector-" + ns;
    cluster.kubectlWithInput("""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: %1$s}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
              - apiGroups: [apps]
                apiVersions: [v1]
                operations: [UPDATE]
                resources: [deployments]
          validations:
            - expression: "!has(oldObject.spec.template.spec.nodeSelector) || has(object.spec.template.spec.nodeSelector)"
              message: the nodeSelector stays (a test's admission policy)
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: %1$s}
        spec:
          policyName: %1$s
          validationActions: [Deny]
          matchResources:
            namespaceSelector:
              matchLabels: {kubernetes.io/metadata.name: %2$s}
        """.formatted(name, ns), "apply", "-f", "-").orFail();
    return name;
  }

  static Deployment deployment(LocalCluster cluster, String ns) {
    return cluster.client().apps().deployments().inNamespace(ns).withName("placed").get();
  }

  static Map<String, String> nodeSelector(LocalCluster cluster, String ns) {
    Deployment live = deployment(cluster, ns);
    Map<String, String> selector = live == null ? null : live.getSpec().getTemplate().getSpec().getNodeSelector();
    return selector == null || selector.isEmpty() ? null : selector;
  }

  static JsonNode helmHistory(LocalCluster cluster, String ns) {
    try {
      return JSON.readTree(cluster.helm("history", "placed", "-n", ns, "-o", "json").orFail().output());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Event> events(LocalCluster cluster, String ns) {
    return cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "HelmRelease".equals(e.getInvolvedObject().getKind())).toList();
  }
}
