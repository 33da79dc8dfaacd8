package io.helmop.operator.reconcile;

import static io.helmop.operator.reconcile.HelmReleaseReconcilerTest.condition;
import static io.helmop.operator.reconcile.HelmReleaseReconcilerTest.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.dependency.SettleWindow;
import io.helmop.operator.drift.DriftCheck;
import io.helmop.operator.drift.KindCatalog;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.policy.DryRun;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.FakeHelmEngine;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedObject;
import io.helmop.operator.release.RenderedRelease;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.values.ReferenceWatcher;
import io.helmop.operator.values.ValuesSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spec.policy in the reconcile, in milliseconds (fake Helm, the fabric8 mock server): Enforce blocks before Helm
 * is called, Warn releases and says why, Events only when the findings change, a policy change of a deployed
 * release is checked again without a Helm operation, and nothing shows a secret value.
 */
@EnableKubernetesMockClient(crud = true)
class PolicyReconcileTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ME = "helmop-test";

  KubernetesClient client;
  @TempDir
  Path workDir;

  HelmReleaseReconcilerTest.TestClock clock = new HelmReleaseReconcilerTest.TestClock(
      Instant.parse("2026-11-30T12:00:00Z"));
  FakeHelmEngine helm;
  InMemoryReleaseCache cache = new InMemoryReleaseCache();
  HelmReleaseReconciler reconciler;
  ReferenceWatcher references;
  ManagedObjectWatcher watcher;

  /** The operator, with {@code defaultMode} as its --policy-mode. */
  void start(PolicySpec.Mode defaultMode) {
    helm = new FakeHelmEngine(client, clock);
    references = new ReferenceWatcher(client);
    watcher = new ManagedObjectWatcher(client);
    reconciler = new HelmReleaseReconciler(PolicyReconcileTest::plan, new ReleaseRecords(client), helm,
        new Preflight(helm, DryRun.NONE, () -> "v1.33.0", defaultMode), new StatusFactory(clock, ME),
        new EventRecorder(client, clock, ME), new SettleWindow(Duration.ZERO, clock), references,
        new DriftCheck(client, new KindCatalog(client, clock), watcher, clock), watcher, workDir, clock, ME);
  }

  @AfterEach
  void tearDown() {
    references.close();
    watcher.close();
  }

  @Test
  void enforceBlocksTheInstallBeforeHelmWithPreflightFailedAndOneEventListingEveryViolation() throws Exception {
    start(PolicySpec.Mode.Warn);
    helm.renderWith(rendered(false));
    HelmRelease web = cache.put(release("web", PolicySpec.Mode.Enforce));

    reconcile(web);

    assertThat(helm.operations()).as("no install").isEmpty();
    assertThat(condition(web, "Ready")).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("PreflightFailed");
      assertThat(c.getMessage()).startsWith("Policy mode Enforce blocks chart hello-0.1.0: 2 violations");
    });
    assertThat(condition(web, "Stalled").getStatus()).isEqualTo("True");
    assertThat(condition(web, "PolicyCompliant")).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("RulesViolated");
    });
    var policy = cache.latest(web).getStatus().getPolicy();
    assertThat(policy.getMode()).isEqualTo("Enforce");
    assertThat(policy.getViolationCount()).isEqualTo(2);
    assertThat(policy.getViolations()).extracting(v -> v.getRule() + " " + v.getObject() + " " + v.getPath())
        .containsExactly("readiness-probe Deployment web container web", "liveness-probe Deployment web container web");
    assertThat(events(web)).singleElement().satisfies(e -> {
      assertThat(e.getReason()).isEqualTo("PreflightFailed");
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getMessage()).contains("1) readiness-probe").contains("2) liveness-probe");
    });

    reconcile(web);
    assertThat(events(web)).as("the same situation is not reported twice").hasSize(1);
    assertThat(helm.operations()).isEmpty();
  }

  @Test
  void enforceBlocksAnUpgradeAndTheLastGoodRevisionKeepsServing() throws Exception {
    start(PolicySpec.Mode.Enforce);
    helm.renderWith(rendered(true));
    HelmRelease web = cache.put(release("web", null));
    reconcile(web);
    assertThat(helm.operations()).containsExactly("install apps/web");

    helm.renderWith(rendered(false));
    change(web, r -> r.getSpec().setValues(values("message: two")));
    reconcile(web);

    assertThat(helm.operations()).as("no upgrade").containsExactly("install apps/web");
    assertThat(helm.records("apps", "web")).singleElement().satisfies(r -> assertThat(r.isDeployed()).isTrue());
    assertThat(condition(web, "Ready").getReason()).isEqualTo("PreflightFailed");
    assertThat(cache.latest(web).getStatus().getLastAppliedRevision()).isEqualTo(1);
  }

  @Test
  void warnReleasesAndReportsTheViolationsOnceUntilTheyChange() throws Exception {
    start(PolicySpec.Mode.Warn);
    helm.renderWith(rendered(false));
    HelmRelease web = cache.put(release("web", null));

    reconcile(web);

    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(condition(web, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(web, "PolicyCompliant")).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getMessage()).startsWith("2 policy violations in chart hello-0.1.0 (mode Warn; the release goes "
          + "ahead; with mode Enforce it would be blocked): 1) readiness-probe: Deployment web, container web");
    });
    assertThat(reasons(web)).containsExactly("InstallSucceeded", "RulesViolated");

    change(web, r -> r.getSpec().setValues(values("message: two")));
    reconcile(web);
    assertThat(helm.operations()).containsExactly("install apps/web", "upgrade apps/web");
    assertThat(reasons(web)).as("the same violations: no second Event").containsOnlyOnce("RulesViolated");

    helm.renderWith(rendered(true));
    change(web, r -> r.getSpec().setValues(values("message: three")));
    reconcile(web);
    assertThat(condition(web, "PolicyCompliant").getReason()).isEqualTo("RulesPassed");
    assertThat(cache.latest(web).getStatus().getPolicy().getViolations()).isNull();
    assertThat(reasons(web)).endsWith("UpgradeSucceeded", "RulesPassed");
  }

  @Test
  void whenHelmFailsAfterTheRulesRanTheStatusStillSaysWhatTheyFound() throws Exception {
    start(PolicySpec.Mode.Warn);
    helm.renderWith(rendered(false));
    helm.failWith("timed out waiting for the condition");
    HelmRelease web = cache.put(release("web", null));

    assertThatThrownBy(() -> reconcile(web)).as("JOSDK retries").isInstanceOf(ReconcileFailure.class);

    assertThat(condition(web, "Ready").getReason()).isEqualTo("InstallFailed");
    assertThat(condition(web, "PolicyCompliant").getReason()).isEqualTo("RulesViolated");
    assertThat(cache.latest(web).getStatus().getPolicy().getViolationCount()).isEqualTo(2);
    assertThat(reasons(web)).contains("InstallFailed", "RulesViolated");
  }

  @Test
  void aLiteralCredentialInSpecValuesIsNamedByItsKeyPathAndShownNowhere() throws Exception {
    start(PolicySpec.Mode.Warn);
    helm.renderWith(rendered(true));
    HelmRelease web = release("web", null);
    web.getSpec().setValues(values("database: {host: db, password: hunter2-in-git}"));
    web = cache.put(web);

    reconcile(web);

    assertThat(cache.latest(web).getStatus().getPolicy().getViolations()).singleElement().satisfies(v -> {
      assertThat(v.getRule()).isEqualTo("no-secrets-in-values");
      assertThat(v.getObject()).isEqualTo("spec.values");
      assertThat(v.getPath()).isEqualTo("database.password");
    });
    assertThat(JSON.writeValueAsString(cache.latest(web).getStatus())).doesNotContain("hunter2");
    assertThat(events(web)).extracting(Event::getMessage).noneMatch(m -> m.contains("hunter2"))
        .anyMatch(m -> m.contains("database.password"));
  }

  @Test
  void changingSpecPolicyOfADeployedReleaseChecksTheRulesAgainWithoutAHelmOperation() throws Exception {
    start(PolicySpec.Mode.Warn);
    helm.renderWith(rendered(false));
    HelmRelease web = cache.put(release("web", null));
    reconcile(web);
    assertThat(condition(web, "PolicyCompliant").getStatus()).isEqualTo("False");
    reconcile(web);
    int renders = renders();

    change(web, r -> r.getSpec().setPolicy(policy(null, "readiness-probe", "liveness-probe")));
    reconcile(web);

    assertThat(helm.operations()).as("the same chart and values: no new revision").containsExactly("install apps/web");
    assertThat(renders()).as("rendered once more to check the rules").isEqualTo(renders + 1);
    assertThat(condition(web, "PolicyCompliant")).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getMessage()).contains("excluding readiness-probe, liveness-probe");
    });
    assertThat(reasons(web)).endsWith("RulesPassed");

    reconcile(web);
    assertThat(renders()).as("an unchanged release is not rendered again").isEqualTo(renders + 1);

    change(web, r -> r.getSpec().setPolicy(policy(PolicySpec.Mode.Disabled)));
    reconcile(web);
    assertThat(cache.latest(web).getStatus().getConditions()).extracting(Condition::getType)
        .doesNotContain("PolicyCompliant");
    assertThat(cache.latest(web).getStatus().getPolicy()).isNull();
  }

  @Test
  void turningAtomicOffIsAnAtomicUpgradesViolationAtOnce() throws Exception {
    start(PolicySpec.Mode.Warn);
    helm.renderWith(rendered(true));
    HelmRelease web = cache.put(release("web", null));
    reconcile(web);

    change(web, r -> {
      UpgradeSpec upgrade = new UpgradeSpec();
      upgrade.setAtomic(false);
      r.getSpec().setUpgrade(upgrade);
    });
    reconcile(web);

    assertThat(cache.latest(web).getStatus().getPolicy().getViolations())
        .extracting(v -> v.getRule() + " " + v.getPath()).containsExactly("atomic-upgrades atomic");
  }

  @Test
  void anUnknownRuleIdStallsTheReleaseWithInvalidSpecBeforeAnyHelmCall() throws Exception {
    start(PolicySpec.Mode.Warn);
    HelmRelease web = cache.put(release("web", null));
    change(web, r -> r.getSpec().setPolicy(policy(null, "readiness-probes")));

    reconcile(web);

    assertThat(helm.calls).isEmpty();
    assertThat(condition(web, "Ready")).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo("InvalidSpec");
      assertThat(c.getMessage()).contains("spec.policy.exclude[0] \"readiness-probes\" is not a rule id");
    });
    assertThat(condition(web, "Stalled").getStatus()).isEqualTo("True");
  }

  // --- the harness

  void reconcile(HelmRelease release) throws ReconcileFailure {
    reconciler.reconcile(cache.latest(release), cache);
  }

  void change(HelmRelease release, java.util.function.Consumer<HelmRelease> edit) {
    HelmRelease changed = cache.latest(release);
    edit.accept(changed);
    changed.getMetadata().setGeneration(changed.getMetadata().getGeneration() + 1);
    cache.put(changed);
  }

  Condition condition(HelmRelease release, String type) {
    return HelmReleaseReconcilerTest.condition(cache.latest(release).getStatus().getConditions(), type);
  }

  int renders() {
    return (int) helm.calls.stream().filter(c -> c.startsWith("template")).count();
  }

  List<Event> events(HelmRelease release) {
    return client.v1().events().inNamespace("apps").list().getItems().stream()
        .filter(e -> release.getMetadata().getName().equals(e.getInvolvedObject().getName())).toList();
  }

  List<String> reasons(HelmRelease release) {
    return events(release).stream().sorted(java.util.Comparator.comparing(e -> e.getMetadata().getCreationTimestamp()
        == null ? "" : e.getMetadata().getCreationTimestamp())).map(Event::getReason).toList();
  }

  static HelmRelease release(String name, PolicySpec.Mode mode) {
    HelmRelease release = HelmReleaseReconcilerTest.release(name, "message: one");
    if (mode != null) {
      release.getSpec().setPolicy(policy(mode));
    }
    return release;
  }

  static PolicySpec policy(PolicySpec.Mode mode, String... exclude) {
    PolicySpec policy = new PolicySpec();
    policy.setMode(mode);
    policy.setExclude(exclude.length == 0 ? null : List.of(exclude));
    return policy;
  }

  static ObjectNode values(String yaml) {
    try {
      return (ObjectNode) yaml(yaml);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Deployment with requests, limits and a pinned image, with or without its probes. */
  static RenderedRelease rendered(boolean probes) throws Exception {
    String deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            spec:
              containers:
              - name: web
                image: "web:1.0"
                resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
        """ + (probes ? """
                readinessProbe: {httpGet: {path: /ready, port: 80}}
                livenessProbe: {httpGet: {path: /live, port: 80}}
        """ : "");
    return new RenderedRelease(List.of(new RenderedObject((ObjectNode) yaml(deployment), "hello/templates/web.yaml",
        false)), true, Map.of("fullnameOverride", "web"), List.of());
  }

  /** The test planner, with inline values as their own source (what the no-secrets rule reads). */
  @SuppressWarnings("unchecked")
  static DesiredRelease plan(HelmRelease release) {
    Map<String, Object> values = release.getSpec().getValues() == null ? Map.of()
        : JSON.convertValue(release.getSpec().getValues(), Map.class);
    UpgradeSpec upgrade = Optional.ofNullable(release.getSpec().getUpgrade()).orElse(new UpgradeSpec());
    Path archive = Path.of("/charts/hello-0.1.0.tgz");
    ReleaseRequest request = new ReleaseRequest(release.releaseName(), release.targetNamespace(), archive, values,
        !Boolean.FALSE.equals(upgrade.getAtomic()), true, Duration.ofMinutes(5), false, true);
    return DesiredRelease.of(new ResolvedChart("hello", "0.1.0", "1.0.0", archive, "sha256:hello-0.1.0"), request,
        List.of(new ValuesSource("spec.values", values, false)));
  }
}
