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
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Warn, the default mode: a chart that breaks the checklist is installed, and PolicyCompliant, status.policy and
 * one Warning Event per change say what to fix, never with a secret value.
 */
class PolicyWarnIT extends OperatorTest {
  static ChartRepository repository;
  static final String SECRET = "hunter2-in-git";

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/unsafe-service"), "0.1.0", "1.0.0")
        .publish(cluster.repo().resolve("examples/charts/payment-service"), "1.4.2", "2.8.0"));
  }

  @Test
  void aChartThatBreaksTheChecklistIsInstalledAndPolicyCompliantSaysWhatToFixOncePerChange() {
    String ns = namespace("warn");
    apply(cluster, unsafe(ns, 1));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/unsafe", "-n", ns, "--timeout=180s").orFail();

    HelmRelease release = get(cluster, ns, "unsafe");
    var policy = condition(release, "PolicyCompliant").orElseThrow();
    assertThat(policy.getStatus()).isEqualTo("False");
    assertThat(policy.getReason()).isEqualTo("RulesViolated");
    assertThat(policy.getMessage()).startsWith("12 policy violations in chart unsafe-service-0.1.0 (mode Warn; the "
        + "release goes ahead; with mode Enforce it would be blocked)");
    assertThat(release.getStatus().getPolicy().getViolationCount()).isEqualTo(12);
    assertThat(release.getStatus().getPolicy().getViolations())
        .filteredOn(v -> v.getRule().equals("hook-delete-policy")).singleElement().satisfies(v -> {
          assertThat(v.getObject()).isEqualTo("hook Job unsafe-migration");
          assertThat(v.getPath()).isEqualTo("metadata.annotations");
        });
    assertThat(cluster.client().apps().deployments().inNamespace(ns).withName("unsafe-web").get()).isNotNull();
    assertThat(awaitEvents(ns, "unsafe", "InstallSucceeded", "RulesViolated"))
        .filteredOn(e -> e.getReason().equals("RulesViolated")).singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));

    apply(cluster, unsafe(ns, 2)); // an upgrade with the same violations
    await().atMost(Duration.ofMinutes(3)).until(() -> {
      HelmRelease r = get(cluster, ns, "unsafe");
      return r.getStatus().getObservedGeneration() == 2L && hasCondition(r, "Ready", "True");
    });
    assertThat(get(cluster, ns, "unsafe").getStatus().getLastAppliedRevision()).isEqualTo(2);
    assertThat(awaitEvents(ns, "unsafe", "UpgradeSucceeded")).extracting(Event::getReason)
        .as("the same violations are not reported again").containsOnlyOnce("RulesViolated");
    assertShownNowhere(ns, SECRET, "RulesViolated");
  }

  @Test
  void aLiteralCredentialInSpecValuesIsNamedByItsPathOnly() {
    String ns = namespace("warn-secret");
    String password = "Pa55-in-the-HelmRelease";
    apply(cluster, helmRelease(ns, "payment-service", repository.url(), "payment-service", "1.4.2", """
        values:
          image: {tag: "2.8.0"}
          database: {host: db, password: %s}
        """.formatted(password)));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/payment-service", "-n", ns, "--timeout=180s")
        .orFail();

    assertThat(get(cluster, ns, "payment-service").getStatus().getPolicy().getViolations()).singleElement()
        .satisfies(v -> {
          assertThat(v.getRule()).isEqualTo("no-secrets-in-values");
          assertThat(v.getObject()).isEqualTo("spec.values");
          assertThat(v.getPath()).isEqualTo("database.password");
        });
    awaitEvents(ns, "payment-service", "RulesViolated");
    // the HelmRelease itself holds it in spec.values (that is the finding); status and Events do not
    assertThat(cluster.kubectl("get", "helmrelease", "-n", ns, "-o", "jsonpath={.status}").orFail().output())
        .doesNotContain(password);
    assertThat(cluster.kubectl("get", "events", "-n", ns, "-o", "yaml").orFail().output()).doesNotContain(password);
    assertThat(operator.log()).doesNotContain(password);
  }

  @Test
  void anUnknownRuleIdStallsTheReleaseWithInvalidSpec() {
    String ns = namespace("warn-invalid");
    apply(cluster, helmRelease(ns, "payment-service", repository.url(), "payment-service", "1.4.2", """
        policy: {exclude: [liveness-probes]}
        """));

    var ready = awaitReadyFalse(ns, "payment-service", "InvalidSpec");

    assertThat(ready.getMessage()).contains("spec.policy.exclude[0] \"liveness-probes\" is not a rule id");
    assertThat(hasCondition(get(cluster, ns, "payment-service"), "Stalled", "True")).isTrue();
    assertThat(cluster.helm("list", "-n", ns, "--all", "-q").orFail().output()).isBlank();
    assertThat(get(cluster, ns, "payment-service").getStatus().getPolicy()).isNull();
  }

  static String unsafe(String ns, int replicas) {
    return helmRelease(ns, "unsafe", repository.url(), "unsafe-service", "0.1.0", """
        values: {replicaCount: %d}
        upgrade: {timeout: 2m}
        """.formatted(replicas));
  }
}
