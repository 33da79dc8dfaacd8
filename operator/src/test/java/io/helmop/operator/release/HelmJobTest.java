package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.operator.config.HelmKubeconfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How long helmop lets an install or upgrade run in a Helm worker before it stops the worker. */
class HelmJobTest {
  private static final HelmKubeconfig NONE = HelmKubeconfig.of(null, null);

  @Test
  void anAtomicUpgradeGetsHelmsTimeoutForEachHookPhaseItsWaitAndItsRollbackThenItsTests() {
    ReleaseRequest.Options options = new ReleaseRequest.Options(
        new ReleaseRequest.Operation(true, true, 300, false), false, false, false,
        new ReleaseRequest.Tests(true, 120, false));
    HelmJob job = HelmJob.of(false, request(true, options), null, NONE);

    // pre- hooks, wait, post- hooks (5 min each), the same for the rollback after a failure, then 2 min of tests:
    // a 6-minute deadline would kill a release whose migration hook took 3 minutes and whose rollout took 3 more
    assertThat(job.helmTimeout()).isEqualTo(Duration.ofMinutes(5 * 6 + 2));
  }

  @Test
  void aNonAtomicOneHasNoRollbackToWaitFor() {
    HelmJob job = HelmJob.of(true, request(false, null), null, NONE);

    assertThat(job.helmTimeout()).isEqualTo(Duration.ofMinutes(5 * 3));
  }

  private static ReleaseRequest request(boolean atomic, ReleaseRequest.Options options) {
    ReleaseRequest plain = new ReleaseRequest("web", "apps", Path.of("/charts/web"), Map.of(), atomic, true,
        Duration.ofMinutes(5), false, true);
    return options == null ? plain : new ReleaseRequest("web", "apps", Path.of("/charts/web"), Map.of(), atomic,
        true, Duration.ofMinutes(5), false, true, false, false, options);
  }
}
