package io.helmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.helmop.e2e.support.Command;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.TestNamespaces;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's own chart, helm/helmop, as a platform team installs it: it lints, renders objects the API server
 * accepts (server-side dry run), installs into a Deployment that becomes Available (KWOK runs its pods), keeps
 * the CRD the build generates, documents every value, and refuses bad values with a message that says what to
 * do.
 */
class OperatorChartIT {
  private static LocalCluster cluster;
  private static Path chart;
  private static String namespace;

  @BeforeAll
  static void cluster() {
    cluster = LocalCluster.get();
    chart = cluster.repo().resolve("helm/helmop");
    namespace = TestNamespaces.create(cluster, "helmop-chart");
  }

  @AfterAll
  static void cleanUp() {
    if (cluster != null) {
      TestNamespaces.deleteAll(cluster, OperatorChartIT.class);
    }
  }

  @Test
  void chartCarriesTheCrdTheBuildGenerates() throws IOException {
    Path generated = cluster.repo().resolve("crds/helmreleases.helmop.io-v1.yml");
    Path inChart = chart.resolve("crds/helmreleases.helmop.io-v1.yml");
    assertThat(Files.readString(inChart))
        .as("helm/helmop/crds/ must hold the generated CRD: cp %s %s", cluster.repo().relativize(generated),
            cluster.repo().relativize(inChart))
        .isEqualTo(Files.readString(generated));
  }

  @Test
  void helmLintPasses() {
    Command.Result lint = cluster.helm("lint", "--strict", chart.toString());
    assertThat(lint.exitCode()).as(lint.output()).isZero();
    assertThat(lint.output()).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @Test
  void serverAcceptsWhatTheChartRenders() {
    for (List<String> values : List.<List<String>>of(
        List.of(),
        List.of("--set", "replicaCount=1", "--set", "leaderElection.enabled=false"),
        List.of("--set", "rbac.clusterAdmin=false", "--set", "operator.namespaces={team-a,team-b}",
            "--set", "leaderElection.leaseNamespace=" + namespace, "--set", "podDisruptionBudget.enabled=false",
            "--set", "metrics.service.enabled=false", "--set", "operator.logFormat=json"))) {
      String rendered = template(values);
      Command.Result dryRun = cluster.kubectlWithInput(rendered, "apply", "--dry-run=server", "-n", namespace,
          "-f", "-");
      assertThat(dryRun.exitCode()).as("values %s:%n%s", values, dryRun.output()).isZero();
      assertThat(dryRun.output()).contains("deployment.apps/helmop-chart-it created (server dry run)");
    }
  }

  @Test
  void deploymentRunsTwoReplicasWithProbesLeaderElectionAndTheOperatorsFlags() {
    List<HasMetadata> objects = objects(template(List.of()));
    Deployment deployment = only(objects, Deployment.class);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    Container operator = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getCommand()).as("the image's entrypoint runs the operator").isEmpty();
    assertThat(operator.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort())
        .containsExactly("health=8081", "metrics=8080");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");
    assertThat(operator.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(operator.getResources().getLimits()).containsKeys("cpu", "memory");
    assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(operator.getSecurityContext().getRunAsNonRoot()).isTrue();
    Map<String, EnvVar> env = new java.util.HashMap<>();
    operator.getEnv().forEach(var -> env.put(var.getName(), var));
    assertThat(env.get("HELMOP_HEALTH_ADDRESS").getValue()).isEqualTo(":8081");
    assertThat(env.get("HELMOP_METRICS_ADDRESS").getValue()).isEqualTo(":8080");
    assertThat(env.get("HELMOP_LEADER_ELECTION").getValue()).isEqualTo("true");
    assertThat(env.get("HELMOP_LEASE_NAME").getValue()).isEqualTo("helmop-chart-it");
    assertThat(env.get("HELMOP_LEASE_NAMESPACE").getValue()).isEqualTo(namespace);
    assertThat(env.get("HELMOP_LOG_FORMAT").getValue()).isEqualTo("text");
    assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    assertThat(env.get("JAVA_TOOL_OPTIONS").getValue()).contains("-XX:MaxRAMPercentage=");

    Role lease = only(objects, Role.class);
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(namespace);
    assertThat(lease.getRules()).allSatisfy(rule -> assertThat(rule.getApiGroups()).containsExactly(
        "coordination.k8s.io"));
    assertThat(lease.getRules()).flatExtracting(PolicyRule::getVerbs).containsExactlyInAnyOrder(
        "create", "get", "update", "patch");
    assertThat(only(objects, ClusterRole.class).getRules()).flatExtracting(PolicyRule::getResources)
        .contains("helmreleases", "helmreleases/status", "helmreleases/finalizers", "secrets", "configmaps",
            "events");

    PodDisruptionBudget budget = only(objects, PodDisruptionBudget.class);
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(budget.getSpec().getSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    Service metrics = only(objects, Service.class);
    assertThat(metrics.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(metrics.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo("metrics");
  }

  @Test
  void inLockdownTheOperatorItselfGetsNoSecretsNoClusterAdminOnlyImpersonation() {
    List<HasMetadata> objects = objects(template(List.of("--set", "operator.defaultServiceAccount=helmop-release")));

    List<PolicyRule> rules = only(objects, ClusterRole.class).getRules();
    assertThat(rules).flatExtracting(PolicyRule::getResources).containsExactlyInAnyOrder("helmreleases",
        "helmreleases/status", "helmreleases/finalizers", "events", "events", "serviceaccounts",
        "customresourcedefinitions");
    assertThat(rules).filteredOn(rule -> rule.getResources().contains("serviceaccounts"))
        .flatExtracting(PolicyRule::getVerbs).containsExactly("impersonate");
    assertThat(rules).filteredOn(rule -> rule.getResources().contains("customresourcedefinitions"))
        .flatExtracting(PolicyRule::getVerbs).doesNotContain("create", "update", "patch", "delete");
    assertThat(objects).filteredOn(ClusterRoleBinding.class::isInstance).map(ClusterRoleBinding.class::cast)
        .extracting(binding -> binding.getRoleRef().getName()).doesNotContain("cluster-admin").hasSize(1);
    Container operator = only(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getEnv()).filteredOn(var -> var.getName().equals("HELMOP_DEFAULT_SERVICE_ACCOUNT"))
        .extracting(EnvVar::getValue).containsExactly("helmop-release");
  }

  @Test
  void namespacedShapeGrantsRolesInTheWatchedNamespacesAndNothingClusterWide() {
    List<String> values = List.of("--set", "rbac.scope=namespaced", "--set", "operator.namespaces={" + namespace
        + "}", "--set", "operator.defaultServiceAccount=helmop-release");
    String rendered = template(values);
    List<HasMetadata> objects = objects(rendered);

    assertThat(objects).noneMatch(o -> o instanceof ClusterRole || o instanceof ClusterRoleBinding);
    assertThat(objects).filteredOn(Role.class::isInstance).extracting(o -> o.getMetadata().getName())
        .containsExactlyInAnyOrder("helmop-chart-it", "helmop-chart-it-leader-election");
    Role operatorRole = objects.stream().filter(Role.class::isInstance).map(Role.class::cast)
        .filter(role -> role.getMetadata().getName().equals("helmop-chart-it")).findFirst().orElseThrow();
    assertThat(operatorRole.getMetadata().getNamespace()).isEqualTo(namespace);
    assertThat(operatorRole.getRules()).flatExtracting(PolicyRule::getResources).doesNotContain("secrets");
    Command.Result dryRun = cluster.kubectlWithInput(rendered, "apply", "--dry-run=server", "-n", namespace,
        "-f", "-");
    assertThat(dryRun.exitCode()).as(dryRun.output()).isZero();
    assertThat(templateFails("--set", "rbac.scope=namespaced")).contains("list the namespaces");
    // without lockdown, cluster-admin is bound in the listed namespaces only
    assertThat(objects(template(List.of("--set", "rbac.scope=namespaced", "--set", "operator.namespaces={"
        + namespace + "}")))).filteredOn(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
        .filteredOn(binding -> binding.getRoleRef().getName().equals("cluster-admin"))
        .extracting(binding -> binding.getMetadata().getNamespace()).containsExactly(namespace);
  }

  @Test
  void serviceMonitorScrapesTheMetricsServiceWhenEnabled() {
    assertThat(template(List.of())).doesNotContain("kind: ServiceMonitor");
    List<HasMetadata> objects = objects(template(List.of("--set", "metrics.serviceMonitor.enabled=true",
        "--set", "metrics.serviceMonitor.labels.release=prometheus")));
    GenericKubernetesResource monitor = objects.stream().filter(o -> "ServiceMonitor".equals(o.getKind()))
        .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Map<String, Object> spec = monitor.get("spec");
    assertThat(spec.toString()).contains("port=metrics", "path=/metrics", "interval=30s");
    @SuppressWarnings("unchecked")
    Map<String, String> selector = (Map<String, String>) ((Map<String, Object>) spec.get("selector"))
        .get("matchLabels");
    assertThat(only(objects, Service.class).getMetadata().getLabels()).containsAllEntriesOf(selector);
  }

  @Test
  void badValuesAreRefusedWithWhatToDo() {
    assertThat(templateFails("--set", "leaderElection.enabled=false"))
        .contains("replicaCount=2 needs leaderElection.enabled=true", "or replicaCount=1");
    assertThat(templateFails("--set", "replicaCont=3")).contains("additional properties 'replicaCont' not allowed");
    assertThat(templateFails("--set", "operator.logFormat=xml")).contains("/operator/logFormat");
    assertThat(templateFails("--set", "metrics.service.enabled=false", "--set",
        "metrics.serviceMonitor.enabled=true")).contains("needs metrics.service.enabled=true");
  }

  /**
   * Every value of values.yaml has a comment above it, or is a group of values that each have one; every key is
   * in values.schema.json, whose every property has a description. So `helm show values` documents itself and a
   * misspelt value fails instead of being ignored.
   */
  @Test
  void everyValueIsCommentedAndInTheSchema() throws IOException {
    Map<String, Object> schema = cluster.client().getKubernetesSerialization()
        .unmarshal(Files.readString(chart.resolve("values.schema.json")), Map.class);
    List<String> lines = Files.readAllLines(chart.resolve("values.yaml"));
    Pattern key = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9]*):.*$");
    record Open(int indent, String path, Map<String, Object> schema, boolean documented) {}
    Deque<Open> open = new ArrayDeque<>();
    List<String> problems = new ArrayList<>();
    List<String> topLevel = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = key.matcher(lines.get(i));
      if (!m.matches()) {
        continue; // comments, blank lines, list items
      }
      int indent = m.group(1).length();
      while (!open.isEmpty() && open.peek().indent() >= indent) {
        open.pop();
      }
      Open parent = open.peek();
      Map<String, Object> parentSchema = parent == null ? schema : parent.schema();
      if (parent != null && parentSchema == null) {
        continue; // inside an object passed through as it is (a probe, a security context)
      }
      String path = (parent == null ? "" : parent.path() + ".") + m.group(2);
      if (parent == null) {
        topLevel.add(m.group(2));
      }
      Map<String, Object> own = property(schema, parentSchema, m.group(2));
      if (own == null) {
        problems.add(path + " is not in values.schema.json");
      }
      boolean commented = lines.get(i - 1).strip().startsWith("#");
      boolean documented = commented || (parent != null && parent.documented());
      boolean group = own != null && own.containsKey("properties");
      if (!documented && !group) {
        problems.add(path + " (values.yaml line " + (i + 1) + ") has no comment above it");
      }
      open.push(new Open(indent, path, own != null && own.containsKey("properties") ? own : null, documented));
    }
    assertThat(problems).isEmpty();
    @SuppressWarnings("unchecked")
    Map<String, Object> properties = (Map<String, Object>) schema.get("properties");
    assertThat(topLevel).containsExactlyInAnyOrderElementsOf(properties.keySet());
    assertThat(undescribed(schema, "")).as("schema properties without a description").isEmpty();
  }

  /**
   * helm install on the local control plane: the Deployment becomes Available with both replicas (KWOK marks
   * its pods running and ready; no container really starts, so this proves the objects, not the image), the
   * PodDisruptionBudget lets one pod go at a time, and the metrics Service finds both pods.
   */
  @Test
  void installedChartBecomesAvailable() {
    String ns = TestNamespaces.create(cluster, "helmop-install");
    String release = "helmop-" + ns; // cluster-scoped RBAC names unique to this run
    try {
      cluster.helm("install", release, chart.toString(), "-n", ns, "--wait", "--timeout", "3m").orFail();
      cluster.kubectl("wait", "--for=condition=Available", "deployment/" + release, "-n", ns, "--timeout=120s")
          .orFail();
      Deployment deployment = cluster.client().apps().deployments().inNamespace(ns).withName(release).get();
      assertThat(deployment.getStatus().getReadyReplicas()).isEqualTo(2);
      assertThat(deployment.getStatus().getAvailableReplicas()).isEqualTo(2);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(1)).untilAsserted(() -> {
        PodDisruptionBudget budget = cluster.client().policy().v1().podDisruptionBudget().inNamespace(ns)
            .withName(release).get();
        assertThat(budget.getStatus().getCurrentHealthy()).isEqualTo(2);
        assertThat(budget.getStatus().getDisruptionsAllowed()).isEqualTo(1);
        List<EndpointSlice> slices = cluster.client().discovery().v1().endpointSlices().inNamespace(ns)
            .withLabel("kubernetes.io/service-name", release + "-metrics").list().getItems();
        assertThat(slices).flatExtracting(EndpointSlice::getEndpoints).hasSize(2);
      });
      assertThat(cluster.helm("status", release, "-n", ns).orFail().output())
          .contains("STATUS: deployed", "Leader election: one replica acts");
    } finally {
      cluster.helm("uninstall", release, "-n", ns, "--wait");
    }
  }

  private static String template(List<String> values) {
    List<String> args = new ArrayList<>(List.of("template", "helmop-chart-it", chart.toString(), "-n", namespace));
    args.addAll(values);
    return cluster.helm(args.toArray(String[]::new)).orFail().output();
  }

  private static String templateFails(String... values) {
    List<String> args = new ArrayList<>(List.of("template", "helmop-chart-it", chart.toString(), "-n", namespace));
    args.addAll(List.of(values));
    Command.Result result = cluster.helm(args.toArray(String[]::new));
    assertThat(result.exitCode()).as("helm template %s should fail", List.of(values)).isNotZero();
    return result.output();
  }

  private static List<HasMetadata> objects(String yaml) {
    return cluster.client().load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  /** The schema of property {@code name} of an object schema, following a $ref into definitions. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> property(Map<String, Object> root, Map<String, Object> object, String name) {
    Map<String, Object> properties = (Map<String, Object>) object.get("properties");
    Map<String, Object> property = properties == null ? null : (Map<String, Object>) properties.get(name);
    if (property != null && property.get("$ref") instanceof String ref) {
      Map<String, Object> definitions = (Map<String, Object>) root.get("definitions");
      Map<String, Object> resolved = new java.util.HashMap<>(
          (Map<String, Object>) definitions.get(ref.substring(ref.lastIndexOf('/') + 1)));
      resolved.putAll(property);
      return resolved;
    }
    return property;
  }

  @SuppressWarnings("unchecked")
  private static List<String> undescribed(Map<String, Object> schema, String path) {
    List<String> missing = new ArrayList<>();
    Map<String, Object> properties = (Map<String, Object>) schema.get("properties");
    if (properties != null) {
      properties.forEach((name, property) -> {
        Map<String, Object> p = (Map<String, Object>) property;
        if (!(p.get("description") instanceof String d) || d.isBlank()) {
          missing.add(path + name);
        }
        missing.addAll(undescribed(p, path + name + "."));
      });
    }
    return missing;
  }
}
