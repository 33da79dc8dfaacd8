package io.helmop.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.ReleaseRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusFactoryTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static HelmRelease release(long generation) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("apps").withGeneration(generation)
        .build());
    release.setSpec(new HelmReleaseSpec());
    return release;
  }

  static ReleaseRecord record(int revision, String status) {
    return new ReleaseRecord("web", "apps", revision, status, "hello", "0.1.0", "1.0.0", "2026-11-24T10:00:00Z", "",
        JSON.createObjectNode(), "");
  }

  @Test
  void theSameOutcomeReconciledAgainYieldsAnEqualStatusEvenLater() {
    HelmRelease release = release(1);
    var history = List.of(record(1, "deployed"));
    release.setStatus(new StatusFactory(clockAt("2026-11-24T10:00:00Z"))
        .released(release, "InstallSucceeded", history.get(0), history, "sha256:abc"));

    var again = new StatusFactory(clockAt("2026-11-24T11:00:00Z"))
        .released(release, "InstallSucceeded", history.get(0), history, "sha256:abc");

    assertThat(StatusFactory.same(release.getStatus(), again)).isTrue();
  }

  @Test
  void aConditionKeepsItsTransitionTimeUntilItsStatusChanges() {
    HelmRelease release = release(1);
    var factory1 = new StatusFactory(clockAt("2026-11-24T10:00:00Z"));
    release.setStatus(factory1.failed(release, ReconcileFailure.retryable("RepositoryUnavailable", "down", null),
        false));
    var factory2 = new StatusFactory(clockAt("2026-11-24T10:05:00Z"));
    var stillFailing = factory2.failed(release, ReconcileFailure.retryable("RepositoryUnavailable", "down again",
        null), false);
    assertThat(Conditions.find(stillFailing.getConditions(), "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo("2026-11-24T10:00:00Z");

    release.setStatus(stillFailing);
    var history = List.of(record(1, "deployed"));
    var ready = factory2.released(release, "InstallSucceeded", history.get(0), history, "sha256:abc");
    assertThat(Conditions.find(ready.getConditions(), "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo("2026-11-24T10:05:00Z");
  }

  @Test
  void terminalFailuresStallAndRetryableOnesKeepReconciling() {
    HelmRelease release = release(2);
    var factory = new StatusFactory(clockAt("2026-11-24T10:00:00Z"));
    var stalled = factory.failed(release, ReconcileFailure.stalled("ChartVersionNotFound", "no 9.9.9"), false);
    assertThat(Conditions.find(stalled.getConditions(), "Stalled").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(Conditions.find(stalled.getConditions(), "Reconciling").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(stalled.getObservedGeneration()).isEqualTo(2L);

    var retrying = factory.failed(release, ReconcileFailure.retryable("UpgradeFailed", "timed out", null), true);
    assertThat(Conditions.find(retrying.getConditions(), "Stalled").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(Conditions.find(retrying.getConditions(), "Reconciling").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(Conditions.find(retrying.getConditions(), "Released").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void historyIsBoundedByMaxHistoryAndKeepsKnownDigests() {
    HelmRelease release = release(3);
    release.getSpec().setMaxHistory(2);
    var factory = new StatusFactory(clockAt("2026-11-24T10:00:00Z"));
    var records = List.of(record(3, "deployed"), record(2, "superseded"), record(1, "superseded"));
    var status = factory.released(release, "UpgradeSucceeded", records.get(0), records, "sha256:three");
    assertThat(status.getHistory()).extracting(h -> h.getRevision()).containsExactly(3, 2);
    assertThat(status.getHistory().get(0).getDigest()).isEqualTo("sha256:three");
  }

  static Clock clockAt(String instant) {
    return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
  }
}
