package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.api.v1alpha1.UpgradeSpec;
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
  void failuresAreCountedPerDigestAndGeneration() {
    DesiredRelease two = desired("two");
    assertThat(Remediation.failuresSoFar(release(2, 1, attempt(two, 2, LastAttempt.FAILED, 2, "x")), two))
        .isEqualTo(2);
    // new values, or a new generation: the count starts again
    assertThat(Remediation.failuresSoFar(release(2, 1, attempt(two, 2, LastAttempt.FAILED, 2, "x")),
        desired("three"))).isZero();
    assertThat(Remediation.failuresSoFar(release(3, 1, attempt(two, 2, LastAttempt.FAILED, 2, "x")), two))
        .isZero();
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
  void theDefaultIsThreeRetriesAndMinusOneMeansForever() {
    assertThat(Remediation.retries(release(2, null, null), false)).isEqualTo(3);
    assertThat(Remediation.retries(release(2, 1, null), false)).isEqualTo(1);
    assertThat(Remediation.retries(release(2, -1, null), false)).isEqualTo(Integer.MAX_VALUE);
    assertThat(Remediation.retries(release(2, 1, null), true)).isEqualTo(3); // spec.install.retries is not set
  }
}
