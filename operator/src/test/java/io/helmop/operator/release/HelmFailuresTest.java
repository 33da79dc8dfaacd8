package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Messages as helm-java 0.0.21 returns them with debug on (error, "---", Helm's log). */
class HelmFailuresTest {

  @Test
  void aTimedOutWaitNamesTheLastObjectHelmFoundNotReadyBeforeTheRollback() {
    String message = """
        release web failed, and has been rolled back due to atomic being set: context deadline exceeded
        ---
        creating 3 resource(s)
        beginning wait for 3 resources with timeout of 15s
        ReplicaSet is not ready: apps/web-6d4856c4c6. observedGeneration (0) does not match spec generation (1).
        Deployment is not ready: apps/web. 0 out of 1 expected pods are ready
        wait for resources failed after 15s: context deadline exceeded
        Upgrade failed and atomic is set, rolling back to last successful release
        beginning wait for 3 resources with timeout of 15s
        Deployment is not ready: apps/other. 0 out of 1 expected pods are ready
        """;

    assertThat(HelmFailures.summary(message)).isEqualTo("release web failed, and has been rolled back due to atomic "
        + "being set: context deadline exceeded (Helm was waiting for Deployment apps/web to become ready: 0 out "
        + "of 1 expected pods are ready)");
  }

  @Test
  void aFailedHookKeepsHelmsOwnWordsOnOneLine() {
    String message = """
        release web failed, and has been uninstalled due to atomic being set: failed pre-install: 1 error occurred:
        \t* job web-migration-1 failed: DeadlineExceeded


        ---
        Watching for changes to Job web-migration-1 with timeout of 20s
        """;

    assertThat(HelmFailures.summary(message)).isEqualTo("release web failed, and has been uninstalled due to atomic "
        + "being set: failed pre-install: job web-migration-1 failed: DeadlineExceeded");
  }

  @Test
  void aHookThatNeverFinishesIsNamed() {
    String message = """
        release web failed, and has been uninstalled due to atomic being set: failed pre-install: 1 error occurred:
        \t* timed out waiting for the condition


        ---
        Starting delete for "web-migration-1" Job
        beginning wait for 1 resources to be deleted with timeout of 8s
        creating 1 resource(s)
        Watching for changes to Job web-migration-1 with timeout of 8s
        Add/Modify event for web-migration-1: ADDED
        Install failed and atomic is set, uninstalling release
        uninstall: Deleting web
        """;

    assertThat(HelmFailures.summary(message)).isEqualTo("release web failed, and has been uninstalled due to "
        + "atomic being set: failed pre-install: timed out waiting for the condition (Helm was waiting for hook "
        + "Job web-migration-1 to complete)");
  }

  @Test
  void longMessagesAreBounded() {
    assertThat(HelmFailures.summary("x".repeat(2000))).hasSize(HelmFailures.MAX).endsWith("...");
    assertThat(HelmFailures.summary((String) null)).isEqualTo("Helm gave no reason");
  }
}
