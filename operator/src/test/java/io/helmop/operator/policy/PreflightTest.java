package io.helmop.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.FakeHelmEngine;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedObject;
import io.helmop.operator.release.RenderedRelease;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.values.ValuesSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The preflight's steps, in order, and what each failure tells the user (never a secret value). */
class PreflightTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final String SECRET = "s3cr3t-from-a-Secret";

  FakeHelmEngine helm = new FakeHelmEngine(null, Clock.systemUTC());
  List<String> dryRunCalls = new ArrayList<>();
  List<String> refusals = new ArrayList<>();
  DryRun dryRun = (rendered, request) -> {
    dryRunCalls.add(request.releaseName());
    return refusals;
  };

  Preflight preflight(PolicySpec.Mode defaultMode) {
    return new Preflight(helm, dryRun, () -> "v1.33.2", defaultMode);
  }

  static HelmRelease release(PolicySpec.Mode mode, String... exclude) {
    HelmRelease release = new HelmRelease();
    release.getMetadata().setName("web");
    release.getMetadata().setNamespace("apps");
    HelmReleaseSpec spec = new HelmReleaseSpec();
    spec.setChart(new ChartSpec());
    if (mode != null || exclude.length > 0) {
      PolicySpec policy = new PolicySpec();
      policy.setMode(mode);
      policy.setExclude(List.of(exclude));
      spec.setPolicy(policy);
    }
    release.setSpec(spec);
    return release;
  }

  static DesiredRelease desired(boolean atomic) {
    ReleaseRequest request = new ReleaseRequest("web", "apps", Path.of("/charts/web-1.0.0.tgz"),
        Map.of("db", Map.of("password", SECRET)), atomic, true, Duration.ofMinutes(5), false, true);
    return DesiredRelease.of(new ResolvedChart("web", "1.0.0", "1.0", request.chart(), "sha256:web"), request,
        List.of(new ValuesSource("spec.valuesFrom[0] (Secret apps/db)", Map.of("db", Map.of("password", SECRET)),
            true)));
  }

  /** A Deployment without probes: two violations of enforceable rules. */
  static RenderedRelease withoutProbes() throws Exception {
    ObjectNode deployment = (ObjectNode) YAML.readTree("""
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
        """);
    return new RenderedRelease(List.of(new RenderedObject(deployment, "web/templates/web.yaml", false)), true,
        Map.of("fullnameOverride", "web"), List.of());
  }

  @Test
  void aCompliantChartPassesEveryStepInOrder() throws Exception {
    Preflight.Result result = preflight(PolicySpec.Mode.Enforce).check(release(null), desired(true));

    assertThat(result.passed()).isTrue();
    assertThat(result.policy().compliant()).isTrue();
    assertThat(helm.calls).containsExactly("template apps/web", "lint apps/web");
    assertThat(dryRunCalls).containsExactly("web");
  }

  @Test
  void aTemplateErrorIsRenderFailedAndNothingElseRuns() throws Exception {
    helm.failTemplateWith("template: web/templates/web.yaml:7:20: executing \"web/templates/web.yaml\" at "
        + "<fail>: error calling fail: bad password " + SECRET);

    Preflight.Result result = preflight(PolicySpec.Mode.Warn).check(release(null), desired(true));

    assertThat(result.failure().reason()).isEqualTo("RenderFailed");
    assertThat(result.failure().kind()).isEqualTo(ReconcileFailure.Kind.STALL);
    assertThat(result.failure().getMessage()).contains("web/templates/web.yaml:7:20").doesNotContain(SECRET);
    assertThat(helm.calls).containsExactly("template apps/web");
    assertThat(dryRunCalls).isEmpty();
  }

  @Test
  void aRenderOverABoundStallsWithRenderLimitExceededNamingTheFlag() throws Exception {
    helm.failRenderWith(new io.helmop.operator.release.RenderLimitException(
        io.helmop.operator.release.RenderLimitException.Bound.TIME,
        "the render took longer than the render timeout of 30 s (--render-timeout), and its Helm worker was stopped"));

    Preflight.Result result = preflight(PolicySpec.Mode.Warn).check(release(null), desired(true));

    assertThat(result.failure().reason()).isEqualTo("RenderLimitExceeded");
    assertThat(result.failure().kind()).isEqualTo(ReconcileFailure.Kind.STALL);
    assertThat(result.failure().getMessage()).startsWith("Chart web-1.0.0 with the release's values: the render "
            + "took longer than the render timeout of 30 s (--render-timeout)")
        .contains("the last good release keeps serving").contains("raise --render-timeout");
    assertThat(helm.calls).containsExactly("template apps/web");
    assertThat(dryRunCalls).isEmpty();
  }

  @Test
  void valuesRefusedByTheSchemaAreValuesInvalidNamingThePathNotTheValue() throws Exception {
    helm.failTemplateWith("values don't meet the specifications of the schema(s) in the following chart(s):\n"
        + "web:\n- at '/db/password': '" + SECRET + "' does not match pattern '^[a-z]+$'\n");

    Preflight.Result result = preflight(PolicySpec.Mode.Warn).check(release(null), desired(true));

    assertThat(result.failure().reason()).isEqualTo("ValuesInvalid");
    assertThat(result.failure().kind()).isEqualTo(ReconcileFailure.Kind.STALL);
    assertThat(result.failure().getMessage()).contains("values.schema.json of chart web-1.0.0")
        .contains("at '/db/password': the value does not match pattern").doesNotContain(SECRET);
  }

  @Test
  void lintErrorsStopThePreflight() throws Exception {
    helm.lintWith(List.of("[INFO] Chart.yaml: icon is recommended",
        "[ERROR] templates/web.yaml: a Deployment must contain matchLabels"));

    Preflight.Result result = preflight(PolicySpec.Mode.Warn).check(release(null), desired(true));

    assertThat(result.failure().reason()).isEqualTo("PreflightFailed");
    assertThat(result.failure().getMessage()).contains("helm lint").contains("1) templates/web.yaml: a Deployment "
        + "must contain matchLabels").doesNotContain("icon");
    assertThat(dryRunCalls).isEmpty();
  }

  @Test
  void enforceBlocksOnViolationsBeforeTheDryRun() throws Exception {
    helm.renderWith(withoutProbes());

    Preflight.Result result = preflight(PolicySpec.Mode.Warn).check(release(PolicySpec.Mode.Enforce),
        desired(false));

    assertThat(result.failure().reason()).isEqualTo("PreflightFailed");
    assertThat(result.failure().kind()).isEqualTo(ReconcileFailure.Kind.STALL);
    assertThat(result.failure().getMessage()).startsWith("Policy mode Enforce blocks chart web-1.0.0: 3 violations")
        .contains("readiness-probe: Deployment web, container web")
        .contains("liveness-probe: Deployment web, container web")
        .contains("atomic-upgrades: HelmRelease spec.upgrade, atomic");
    assertThat(result.policy().findings()).hasSize(3);
    assertThat(dryRunCalls).isEmpty();
  }

  @Test
  void warnReportsTheViolationsAndTheReleaseGoesAhead() throws Exception {
    helm.renderWith(withoutProbes());

    Preflight.Result result = preflight(PolicySpec.Mode.Warn).check(release(null), desired(true));

    assertThat(result.passed()).isTrue();
    assertThat(result.policy().mode()).isEqualTo(PolicySpec.Mode.Warn);
    assertThat(result.policy().findings()).extracting(f -> f.rule().id())
        .containsExactly("readiness-probe", "liveness-probe");
    assertThat(result.policy().message()).contains("the release goes ahead; with mode Enforce it would be blocked");
    assertThat(dryRunCalls).containsExactly("web");
  }

  @Test
  void theOperatorsDefaultModeAppliesWhenTheSpecSaysNothingAndExclusionsApplyInEnforceToo() throws Exception {
    helm.renderWith(withoutProbes());

    assertThat(preflight(PolicySpec.Mode.Enforce).check(release(null), desired(true)).passed()).isFalse();
    Preflight.Result excluded = preflight(PolicySpec.Mode.Enforce).check(
        release(PolicySpec.Mode.Enforce, "readiness-probe", "liveness-probe"), desired(true));
    assertThat(excluded.passed()).isTrue();
    assertThat(excluded.policy().message()).contains("excluding readiness-probe, liveness-probe");
  }

  @Test
  void onlyWarningLevelFindingsNeverBlock() throws Exception {
    RenderedRelease rendered = withoutProbes();
    helm.renderWith(new RenderedRelease(rendered.objects(), true, Map.of(), List.of())); // no fullnameOverride

    Preflight.Result result = preflight(PolicySpec.Mode.Enforce).check(
        release(PolicySpec.Mode.Enforce, "readiness-probe", "liveness-probe"), desired(true));

    assertThat(result.passed()).isTrue();
    assertThat(result.policy().findings()).extracting(f -> f.rule().id()).containsExactly("stable-names");
    assertThat(result.policy().message()).contains("warnings only");
  }

  @Test
  void disabledChecksNoRuleButStillRendersLintsAndDryRuns() throws Exception {
    helm.renderWith(withoutProbes());

    Preflight.Result result = preflight(PolicySpec.Mode.Enforce).check(release(PolicySpec.Mode.Disabled),
        desired(false));

    assertThat(result.passed()).isTrue();
    assertThat(result.policy().disabled()).isTrue();
    assertThat(result.policy().findings()).isEmpty();
    assertThat(helm.calls).containsExactly("template apps/web", "lint apps/web");
    assertThat(dryRunCalls).hasSize(1);
  }

  @Test
  void objectsTheServerRefusesInADryRunAreRetriedNotStalled() throws Exception {
    refusals.add("Widget web: the cluster does not serve Widget in shop.example.com/v1");
    refusals.add("Deployment web: Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image: "
        + "Required value");

    Preflight.Result result = preflight(PolicySpec.Mode.Warn).check(release(null), desired(true));

    assertThat(result.failure().reason()).isEqualTo("PreflightFailed");
    assertThat(result.failure().kind()).isEqualTo(ReconcileFailure.Kind.RETRY);
    assertThat(result.failure().getMessage()).contains("refused 2 objects").contains("1) Widget web")
        .contains("2) Deployment web: Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image");
    assertThat(result.policy()).as("the rules ran before the dry run").isNotNull();
  }

  @Test
  void anUnknownRuleIdInExcludeIsInvalidSpec() {
    assertThatThrownBy(() -> preflight(PolicySpec.Mode.Warn).check(release(null, "readiness-probe",
        "readines-probe"), desired(true)))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("InvalidSpec");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
          assertThat(f.getMessage()).contains("spec.policy.exclude[1] \"readines-probe\" is not a rule id")
              .contains("readiness-probe, liveness-probe");
        });
  }
}
