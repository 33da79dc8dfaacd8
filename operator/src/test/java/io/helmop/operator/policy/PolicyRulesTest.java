package io.helmop.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.operator.release.RenderedObject;
import io.helmop.operator.values.ValuesSource;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every rule, on a compliant and on a violating fixture; opt-outs by spec and by annotation. */
class PolicyRulesTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** A Deployment as the seed's checklist wants it: probes, requests and limits, a pinned image. */
  static final String GOOD_DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: payment-service}
      spec:
        template:
          spec:
            initContainers:
            - name: wait
              image: registry.example.com/wait-for:1.2
              resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 50m, memory: 32Mi}}
            containers:
            - name: app
              image: registry.example.com/payment-service:2.8.0
              readinessProbe: {httpGet: {path: /health/ready, port: 8080}}
              livenessProbe: {httpGet: {path: /health/live, port: 8080}}
              resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {cpu: 500m, memory: 512Mi}}
      """;

  /** The seed's migration hook: delete policy, deadline, backoff limit, resources. */
  static final String GOOD_HOOK_JOB = """
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: payment-service-migration-1
        annotations:
          helm.sh/hook: pre-upgrade,pre-install
          helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
      spec:
        backoffLimit: 3
        activeDeadlineSeconds: 300
        template:
          spec:
            containers:
            - name: migration
              image: registry.example.com/payment-service:2.8.0
              resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
      """;

  static RenderedObject object(String yaml) {
    return object(yaml, false);
  }

  static RenderedObject object(String yaml, boolean hook) {
    try {
      return new RenderedObject((ObjectNode) YAML.readTree(yaml), "payment-service/templates/x.yaml", hook);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Finding> check(RenderedObject... objects) {
    return PolicyRules.evaluate(input(List.of(objects), List.of(), Map.of("fullnameOverride", "payment-service"),
        null), Set.of());
  }

  static PolicyRules.Input input(List<RenderedObject> objects, List<ValuesSource> values,
      Map<String, Object> chartValues, PolicyRules.Upgrade upgrade) {
    return new PolicyRules.Input(objects, values, chartValues, "payment-service-1.4.2", "payment-service", upgrade);
  }

  static Set<String> rules(List<Finding> findings) {
    return findings.stream().map(f -> f.rule().id()).collect(java.util.stream.Collectors.toSet());
  }

  static String without(String yaml, String line) {
    String result = yaml.lines().filter(l -> !l.strip().startsWith(line)).reduce("", (a, b) -> a + b + "\n");
    assertThat(result).as("fixture changed").isNotEqualTo(yaml);
    return result;
  }

  @Test
  void theSeedsDeploymentAndMigrationHookBreakNoRule() {
    assertThat(check(object(GOOD_DEPLOYMENT), object(GOOD_HOOK_JOB, true))).isEmpty();
  }

  @Test
  void readinessProbe() {
    List<Finding> findings = check(object(without(GOOD_DEPLOYMENT, "readinessProbe")));
    assertThat(findings).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo(Rule.READINESS_PROBE);
      assertThat(f.object()).isEqualTo("Deployment payment-service");
      assertThat(f.path()).isEqualTo("container app");
      assertThat(f.template()).isEqualTo("templates/x.yaml");
      assertThat(f.blocking()).isTrue();
    });
  }

  @Test
  void livenessProbeOnStatefulSetsAndDaemonSetsToo() {
    for (String kind : List.of("Deployment", "StatefulSet", "DaemonSet")) {
      List<Finding> findings = check(object(without(GOOD_DEPLOYMENT, "livenessProbe")
          .replace("kind: Deployment", "kind: " + kind)));
      assertThat(findings).as(kind).extracting(Finding::rule).containsExactly(Rule.LIVENESS_PROBE);
    }
  }

  @Test
  void probesAreNotAskedOfJobsOrInitContainers() {
    assertThat(check(object(GOOD_HOOK_JOB.replace("helm.sh/hook:", "x:"), false))).isEmpty();
    assertThat(check(object(GOOD_DEPLOYMENT))).as("the init container has no probes and needs none").isEmpty();
  }

  @Test
  void resourcesOnEveryContainerInitContainersAndHooksIncluded() {
    assertThat(check(object(GOOD_DEPLOYMENT.replace("limits: {cpu: 50m, memory: 32Mi}", "limits: {cpu: 50m}"))))
        .singleElement().satisfies(f -> {
          assertThat(f.rule()).isEqualTo(Rule.RESOURCES);
          assertThat(f.path()).isEqualTo("init container wait");
          assertThat(f.message()).startsWith("no limits.memory:");
        });
    assertThat(check(object(without(GOOD_HOOK_JOB, "resources:"), true))).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo(Rule.RESOURCES);
      assertThat(f.object()).isEqualTo("hook Job payment-service-migration-1");
      assertThat(f.message()).startsWith("no requests.cpu, requests.memory, limits.cpu, limits.memory:");
    });
    String cronJob = """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: report}
        spec:
          jobTemplate:
            spec:
              template:
                spec:
                  containers: [{name: report, image: "report:1.0"}]
        """;
    assertThat(check(object(cronJob))).extracting(Finding::rule).containsExactly(Rule.RESOURCES);
  }

  @Test
  void noSecretsInValuesNamesTheKeyPathAndNeverTheValue() {
    List<ValuesSource> values = List.of(
        new ValuesSource("spec.valuesFiles[0] (values-production.yaml)",
            Map.of("database", Map.of("host", "db", "password", "hunter2")), false),
        new ValuesSource("spec.values", Map.of("existingSecret", Map.of("name", "db-creds",
            "passwordKey", "password"), "apiKey", "${API_KEY}"), false),
        new ValuesSource("spec.valuesFrom[0] (Secret payments/db)", Map.of("token", "from-a-secret"), true));
    List<Finding> findings = PolicyRules.evaluate(input(List.of(), values, Map.of("fullnameOverride", "x"), null),
        Set.of());
    assertThat(findings).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo(Rule.NO_SECRETS_IN_VALUES);
      assertThat(f.object()).isEqualTo("spec.valuesFiles[0] (values-production.yaml)");
      assertThat(f.path()).isEqualTo("database.password");
      assertThat(f.describe()).doesNotContain("hunter2");
    });
  }

  @Test
  void aChartDefaultCredentialCountsUnlessTheReleaseReplacesIt() {
    Map<String, Object> chartValues = Map.of("fullnameOverride", "x", "auth", Map.of("password", "changeme"));
    assertThat(PolicyRules.evaluate(input(List.of(), List.of(), chartValues, null), Set.of()))
        .singleElement().satisfies(f -> {
          assertThat(f.object()).isEqualTo("values.yaml of chart payment-service-1.4.2");
          assertThat(f.path()).isEqualTo("auth.password");
        });
    List<ValuesSource> fromSecret = List.of(new ValuesSource("spec.valuesFrom[0] (Secret payments/auth)",
        Map.of("auth", Map.of("password", "real")), true));
    assertThat(PolicyRules.evaluate(input(List.of(), fromSecret, chartValues, null), Set.of())).isEmpty();
  }

  @Test
  void hookDeletePolicyOnEveryHook() {
    String testPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: payment-service-test
          annotations: {helm.sh/hook: test}
        spec:
          containers:
          - name: test
            image: curl:8.5.0
            resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 50m, memory: 32Mi}}
        """;
    assertThat(check(object(testPod, true))).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo(Rule.HOOK_DELETE_POLICY);
      assertThat(f.object()).isEqualTo("hook Pod payment-service-test");
    });
    assertThat(check(object(testPod.replace("{helm.sh/hook: test}",
        "{helm.sh/hook: test, helm.sh/hook-delete-policy: hook-succeeded}"), true))).isEmpty();
  }

  @Test
  void hookDeadlineAsksActiveDeadlineSecondsAndBackoffLimitOfHookJobs() {
    assertThat(check(object(without(GOOD_HOOK_JOB, "activeDeadlineSeconds"), true))).singleElement()
        .satisfies(f -> {
          assertThat(f.rule()).isEqualTo(Rule.HOOK_DEADLINE);
          assertThat(f.path()).isEqualTo("spec.activeDeadlineSeconds");
        });
    assertThat(check(object(without(GOOD_HOOK_JOB, "backoffLimit"), true))).singleElement()
        .satisfies(f -> assertThat(f.path()).isEqualTo("spec.backoffLimit"));
    assertThat(check(object(without(without(GOOD_HOOK_JOB, "backoffLimit"), "activeDeadlineSeconds"), false)))
        .as("a Job that is no hook runs with the release, under Helm's wait").isEmpty();
  }

  @Test
  void stableNamesIsAWarningWhenNamesFollowTheRelease() {
    RenderedObject named = object(GOOD_DEPLOYMENT);
    List<Finding> findings = PolicyRules.evaluate(input(List.of(named), List.of(), Map.of(), null), Set.of());
    assertThat(findings).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo(Rule.STABLE_NAMES);
      assertThat(f.blocking()).as("warning level").isFalse();
      assertThat(f.message()).contains("Deployment payment-service");
    });
    List<ValuesSource> override = List.of(new ValuesSource("spec.values",
        Map.of("fullnameOverride", "payment-service"), false));
    assertThat(PolicyRules.evaluate(input(List.of(named), override, Map.of(), null), Set.of())).isEmpty();
    RenderedObject fixed = object(GOOD_DEPLOYMENT.replace("name: payment-service", "name: payments-api"));
    assertThat(PolicyRules.evaluate(input(List.of(fixed), List.of(), Map.of(), null), Set.of()))
        .as("names that do not depend on the release, and no fullnameOverride to set").isEmpty();
  }

  @Test
  void atomicUpgradesFlagsAtomicWaitOrTheTimeoutTurnedOff() {
    var safe = new PolicyRules.Upgrade(true, true, Duration.ofMinutes(5));
    assertThat(PolicyRules.evaluate(input(List.of(), List.of(), Map.of(), safe), Set.of())).isEmpty();
    var unsafe = new PolicyRules.Upgrade(false, false, Duration.ZERO);
    assertThat(PolicyRules.evaluate(input(List.of(), List.of(), Map.of(), unsafe), Set.of()))
        .extracting(Finding::rule, Finding::path).containsExactly(
            org.assertj.core.groups.Tuple.tuple(Rule.ATOMIC_UPGRADES, "atomic"),
            org.assertj.core.groups.Tuple.tuple(Rule.ATOMIC_UPGRADES, "wait"),
            org.assertj.core.groups.Tuple.tuple(Rule.ATOMIC_UPGRADES, "timeout"));
  }

  @Test
  void imageTag() {
    for (String image : List.of("registry.example.com/app", "registry.example.com/app:latest", "app:",
        "localhost:5000/app")) {
      assertThat(check(object(withImage(image)))).as(image).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(Rule.IMAGE_TAG);
            assertThat(f.path()).isEqualTo("container app");
          });
    }
    for (String image : List.of("localhost:5000/app:1.0", "app@sha256:" + "a".repeat(64),
        "registry.example.com/app:latest@sha256:" + "b".repeat(64))) {
      assertThat(check(object(withImage(image)))).as(image).isEmpty();
    }
  }

  static String withImage(String image) {
    return GOOD_DEPLOYMENT.replace("registry.example.com/payment-service:2.8.0", "\"" + image + "\"");
  }

  @Test
  void specExclusionsAndTheAnnotationOptOut() {
    String bare = without(without(GOOD_DEPLOYMENT, "readinessProbe"), "livenessProbe");
    assertThat(rules(check(object(bare)))).containsExactlyInAnyOrder("readiness-probe", "liveness-probe");
    assertThat(PolicyRules.evaluate(input(List.of(object(bare)), List.of(), Map.of("fullnameOverride", "x"), null),
        EnumSet.of(Rule.READINESS_PROBE))).extracting(Finding::rule).containsExactly(Rule.LIVENESS_PROBE);
    String optedOut = bare.replace("metadata: {name: payment-service}", """
        metadata:
          name: payment-service
          annotations: {helmop.io/policy-exclude: "readiness-probe, liveness-probe,no-such-rule"}""");
    assertThat(check(object(optedOut))).as("the annotation covers this object only").isEmpty();
    assertThat(check(object(optedOut), object(bare.replace("name: payment-service", "name: other"))))
        .hasSize(2);
  }
}
