package io.helmop.operator.release;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.LastAttempt;
import java.time.Clock;
import java.util.List;

/**
 * Retry limits for installs and upgrades. Each Helm attempt is recorded in status.lastAttempt before it starts
 * (so a restart neither loses the count nor forgets who started a pending revision). Failed attempts in a row
 * for the same digest and generation are counted; once they exceed spec.install.retries /
 * spec.upgrade.retries, helmop stops calling Helm (Stalled, RetriesExhausted) until the spec or the values
 * change, which resets the count. An attempt still "Running" when the next one is planned was interrupted
 * (the operator was killed): it counts as failed.
 */
public class Remediation {
  static final int DEFAULT_RETRIES = 3;

  private final Clock clock;
  private final String instance;

  public Remediation(Clock clock, String instance) {
    this.clock = clock;
    this.instance = instance;
  }

  /** The attempt about to start, with the failures so far carried over (or reset for a new digest/generation). */
  public LastAttempt start(HelmRelease release, DesiredRelease desired, String action, int revision) {
    LastAttempt attempt = new LastAttempt();
    attempt.setAction(action);
    attempt.setDigest(desired.digest());
    attempt.setGeneration(release.getMetadata().getGeneration());
    attempt.setRevision(revision);
    attempt.setOperatorInstance(instance);
    attempt.setStartedAt(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    attempt.setResult(LastAttempt.RUNNING);
    attempt.setFailures(failuresSoFar(release, desired));
    return attempt;
  }

  public static String action(List<ReleaseRecord> history) {
    return Releaser.isInstall(history) ? "install" : "upgrade";
  }

  /** Helm's next revision number for the release (what `helm history` will show). */
  public static int nextRevision(List<ReleaseRecord> history) {
    return Releaser.isInstall(history) ? 1 : history.get(0).revision() + 1;
  }

  /** Failed attempts in a row for this digest and generation (one left running by a killed process counts). */
  public static int failuresSoFar(HelmRelease release, DesiredRelease desired) {
    LastAttempt last = release.getStatus() == null ? null : release.getStatus().getLastAttempt();
    if (last == null || !desired.digest().equals(last.getDigest())
        || !java.util.Objects.equals(last.getGeneration(), release.getMetadata().getGeneration())) {
      return 0;
    }
    int failures = last.getFailures() == null ? 0 : last.getFailures();
    return LastAttempt.RUNNING.equals(last.getResult()) ? failures + 1 : failures;
  }

  /** spec.install.retries or spec.upgrade.retries, default 3; a negative value (-1) retries forever. */
  public static int retries(HelmRelease release, boolean install) {
    Integer value = install
        ? (release.getSpec().getInstall() == null ? null : release.getSpec().getInstall().getRetries())
        : (release.getSpec().getUpgrade() == null ? null : release.getSpec().getUpgrade().getRetries());
    return value == null ? DEFAULT_RETRIES : value < 0 ? Integer.MAX_VALUE : value;
  }
}
