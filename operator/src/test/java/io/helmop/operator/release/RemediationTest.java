package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.source.ResolvedChart;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RemediationTest {
  static final Remediation REMEDIATION = new Remediation(Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"),
      ZoneOffset.UTC), "helmop-abc");
  static final List<ReleaseRecord> DEPLOYED = List.of(new ReleaseRecord("web", "apps", 4, "deployed", "hello",
      "0.1.0", "1.0.0", "", "", new ObjectMapper().createObjectNode(), ""));

  static DesiredRelease desired(String message) {
    return DesiredRelease.of(new ResolvedChart("hello", "0.1.0", "1.0.0", Path.of("/x.tgz"), "sha256:chart"),
        new ReleaseRequest("web", "apps", Path.of("/x.tgz"), Map.of("message", message), true, true,
            Duration.ofMinutes(5), false, true));
  }

  static HelmRelease release(long generation, Integer retries, LastAttempt last) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("apps").withGeneration(generation)
        .build());
    release.setSpec(new HelmReleaseSpec());
    UpgradeSpec upgrade = new UpgradeSpec();
    upgrade.setRetries(retries);
    release.getSpec().setUpgrade(upgrade);
    release.setStatus(new HelmReleaseStatus());
    release.getStatus().setLastAttempt(last);
    return release;
  }

  static LastAttempt attempt(DesiredRelease desired, long generation, String result, int failures, String by) {
    LastAttempt last = new LastAttempt();
    last.setDigest(desired.digest());
    last.setGeneration(generation);
    last.setResult(result);
    last.setFailures(failures);
    last.setOperatorInstance(by);
    return last;
  }

  @Test
  void retriesAreCountedPerDigestAndGenerationAndStopAfterTheLimit() throws ReconcileFailure {
    DesiredRelease two = desired("two");
    REMEDIATION.checkAttemptsLeft(release(2, 1, attempt(two, 2, LastAttempt.FAILED, 1, "x")), two, DEPLOYED, null);

    assertThatThrownBy(() -> REMEDIATION.checkAttemptsLeft(
        release(2, 1, attempt(two, 2, LastAttempt.FAILED, 2, "x")), two, DEPLOYED, "Upgrade failed: boom"))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("RetriesExhausted");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
          assertThat(f.getMessage()).contains("failed 2 times").contains("spec.upgrade.retries=1")
              .contains("boom");
        });
    // new values, or a new generation: the count starts again
    DesiredRelease three = desired("three");
    REMEDIATION.checkAttemptsLeft(release(2, 1, attempt(two, 2, LastAttempt.FAILED, 2, "x")), three, DEPLOYED, null);
    REMEDIATION.checkAttemptsLeft(release(3, 1, attempt(two, 2, LastAttempt.FAILED, 2, "x")), two, DEPLOYED, null);
  }

  @Test
  void anAttemptLeftRunningByAKilledProcessCountsAsFailed() {
    DesiredRelease two = desired("two");
    LastAttempt started = REMEDIATION.start(release(2, 3, attempt(two, 2, LastAttempt.RUNNING, 1, "helmop-old")),
        two, "upgrade", 6);

    assertThat(started.getFailures()).isEqualTo(2);
    assertThat(started.getResult()).isEqualTo(LastAttempt.RUNNING);
    assertThat(started.getOperatorInstance()).isEqualTo("helmop-abc");
    assertThat(started.getRevision()).isEqualTo(6);
    assertThat(started.getStartedAt()).isEqualTo("2026-11-24T10:00:00Z");
  }

  @Test
  void theDefaultIsThreeRetries() throws ReconcileFailure {
    DesiredRelease two = desired("two");
    REMEDIATION.checkAttemptsLeft(release(2, null, attempt(two, 2, LastAttempt.FAILED, 3, "x")), two, DEPLOYED, null);
    assertThatThrownBy(() -> REMEDIATION.checkAttemptsLeft(
        release(2, null, attempt(two, 2, LastAttempt.FAILED, 4, "x")), two, DEPLOYED, null))
        .isInstanceOf(ReconcileFailure.class);
  }
}
