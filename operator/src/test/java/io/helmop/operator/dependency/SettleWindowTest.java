package io.helmop.operator.dependency;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.DependencyReference;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettleWindowTest {
  Instant now = Instant.parse("2026-11-24T10:00:00Z");
  final Clock clock = new Clock() {
    @Override public ZoneId getZone() { return ZoneId.of("UTC"); }
    @Override public Clock withZone(ZoneId zone) { return this; }
    @Override public Instant instant() { return now; }
  };
  final SettleWindow window = new SettleWindow(Duration.ofSeconds(2), clock);

  static HelmRelease release(long generation, boolean withDependency) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withNamespace("apps").withName("app").withGeneration(generation)
        .build());
    release.setSpec(new HelmReleaseSpec());
    if (withDependency) {
      release.getSpec().setDependsOn(List.of(new DependencyReference("foundation", "platform")));
    }
    return release;
  }

  @Test
  void aNewGenerationWithDependenciesWaitsOutTheWindowOnce() {
    assertThat(window.remaining(release(1, true))).contains(Duration.ofSeconds(2));
    now = now.plusMillis(1500);
    assertThat(window.remaining(release(1, true))).contains(Duration.ofMillis(500));
    now = now.plusMillis(500);
    assertThat(window.remaining(release(1, true))).isEmpty();

    assertThat(window.remaining(release(2, true))).contains(Duration.ofSeconds(2));
  }

  @Test
  void releasesWithoutDependenciesNeverWait() {
    assertThat(window.remaining(release(1, false))).isEmpty();
  }
}
