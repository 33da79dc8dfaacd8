package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.PolicyViolation;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The production checklist enforced, with the operator's default mode set to Enforce (--policy-mode by its
 * environment variable, as the chart's policy.mode value sets it): a chart that breaks it is never installed,
 * an upgrade that breaks it leaves the last good revision serving.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class PolicyEnforceIT extends OperatorTest {
  static ChartRepository repository;

  /** Its own operator: its namespaces go while it runs (so releases are uninstalled), then it stops. */
  @org.junit.jupiter.api.AfterAll
  static void stopOwnOperator() throws Exception {
    io.helmop.e2e.support.TestNamespaces.deleteAll(cluster, PolicyEnforceIT.class);
    operator.close();
    repository.close();
  }

  static final String SECRET = "hunter2-in-git";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/unsafe-service"), "0.1.0", "1.0.0")
        .publish(cluster.repo().resolve("examples/charts/payment-service"), "1.4.2", "2.8.0");
    operator = OperatorProcess.start(cluster, Map.of("HELMOP_POLICY_MODE", "Enforce"));
  }

  @Test
  void aChartThatBreaksTheChecklistIsNeverInstalledAndTheEventListsEveryViolation() {
    String ns = namespace("enforce");
    apply(cluster, helmRelease(ns, "unsafe", repository.url(), "unsafe-service", "0.1.0", ""));

    var ready = awaitReadyFalse(ns, "unsafe", "PreflightFailed");

    assertThat(ready.getMessage()).startsWith("Policy mode Enforce blocks chart unsafe-service-0.1.0: 12 violations; "
        + "nothing was installed");
    HelmRelease release = get(cluster, ns, "unsafe");
    assertThat(hasCondition(release, "Stalled", "True")).isTrue();
    assertThat(condition(release, "PolicyCompliant").orElseThrow().getReason()).isEqualTo("RulesViolated");
    assertThat(release.getStatus().getPolicy().getMode()).isEqualTo("Enforce");
    assertThat(release.getStatus().getPolicy().getViolations()).extracting(PolicyViolation::getRule)
        .contains("readiness-probe", "liveness-probe", "resources", "no-secrets-in-values", "hook-delete-policy",
            "hook-deadline", "stable-names", "image-tag");
    assertThat(cluster.helm("list", "-n", ns, "--all", "-q").orFail().output()).as("no Helm release").isBlank();
    assertThat(cluster.client().apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(awaitEvents(ns, "unsafe", "PreflightFailed")).filteredOn(e -> e.getReason().equals("PreflightFailed"))
        .singleElement().satisfies(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getMessage()).contains("1) ").contains("12) ")
              .contains("hook-deadline: hook Job unsafe-migration")
              .contains("no-secrets-in-values: values.yaml of chart unsafe-service-0.1.0, database.password");
        });
    assertShownNowhere(ns, SECRET, "PreflightFailed");
  }

  @Test
  void anUpgradeThatBreaksARuleIsBlockedAndTheLastGoodRevisionKeepsServing() {
    String ns = namespace("enforce-upgrade");
    apply(cluster, payment(ns, "2.8.0"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/payment-service", "-n", ns, "--timeout=180s")
        .orFail();
    assertThat(condition(get(cluster, ns, "payment-service"), "PolicyCompliant").orElseThrow().getStatus())
        .isEqualTo("True");

    apply(cluster, payment(ns, "latest"));
    await().atMost(Duration.ofMinutes(1)).until(() -> {
      HelmRelease r = get(cluster, ns, "payment-service");
      return r.getStatus().getObservedGeneration() == 2L
          && condition(r, "Ready").map(c -> "PreflightFailed".equals(c.getReason())).orElse(false);
    });

    HelmRelease blocked = get(cluster, ns, "payment-service");
    assertThat(condition(blocked, "Ready").orElseThrow().getMessage())
        .contains("image-tag: Deployment payment-service, container payment-service: image "
            + "registry.example.com/payment-service:latest uses the tag latest");
    assertThat(blocked.getStatus().getLastAppliedRevision()).isEqualTo(1);
    assertThat(cluster.helm("history", "payment-service", "-n", ns, "-o", "json").orFail().output())
        .contains("\"revision\":1").doesNotContain("\"revision\":2");
    assertThat(cluster.client().apps().deployments().inNamespace(ns).withName("payment-service").get().getSpec()
        .getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/payment-service:2.8.0");
  }

  @Test
  void excludedRulesAndWarningLevelRulesLetTheReleaseGoAhead() {
    String ns = namespace("enforce-exclude");
    apply(cluster, helmRelease(ns, "unsafe", repository.url(), "unsafe-service", "0.1.0", """
        policy:
          exclude: [readiness-probe, liveness-probe, resources, no-secrets-in-values, hook-delete-policy,
                    hook-deadline, image-tag]
        """));

    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/unsafe", "-n", ns, "--timeout=180s").orFail();

    var policy = condition(get(cluster, ns, "unsafe"), "PolicyCompliant").orElseThrow();
    assertThat(policy.getStatus()).isEqualTo("False");
    assertThat(policy.getMessage()).contains("mode Enforce, excluding").contains("warnings only")
        .contains("stable-names: values, fullnameOverride");
    assertThat(awaitEvents(ns, "unsafe", "InstallSucceeded", "RulesViolated")).extracting(Event::getReason)
        .doesNotContain("PreflightFailed");
  }

  static String payment(String ns, String tag) {
    return helmRelease(ns, "payment-service", repository.url(), "payment-service", "1.4.2", """
        values:
          image: {tag: "%s"}
          database: {host: payments-db.%s.svc}
        upgrade: {timeout: 2m}
        """.formatted(tag, ns));
  }
}
