package io.helmop.operator.release;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.operator.ReconcileFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Installs or upgrades a release through Helm, then trims Helm's history to maxHistory. */
public class Releaser {
  private static final Logger LOG = LoggerFactory.getLogger(Releaser.class);
  public static final String INSTALL_FAILED = "InstallFailed";
  public static final String UPGRADE_FAILED = "UpgradeFailed";

  private static final String SUPERSEDED = "Superseded";

  private final HelmEngine helm;
  private final ReleaseRecords records;
  private final ObjectRestorer restorer;

  /** How long after a Helm operation's timeout its pending record counts as abandoned. */
  static final Duration ABANDONED_AFTER = Duration.ofMinutes(1);

  private final Clock clock;
  private final String instance;

  /**
   * @param instance this operator process (host name and a random id): a pending revision that status says
   *     another process started was abandoned by it.
   */
  public Releaser(HelmEngine helm, ReleaseRecords records, ObjectRestorer restorer, Clock clock, String instance) {
    this.helm = helm;
    this.records = records;
    this.restorer = restorer;
    this.clock = clock;
    this.instance = instance;
  }

  /**
   * Install when Helm has no revision of the release, else upgrade: Helm upgrades from the last deployed
   * revision, or from a failed one when none was ever deployed (an install that was interrupted).
   */
  public static boolean isInstall(List<ReleaseRecord> history) {
    return history.isEmpty();
  }

  /**
   * Returns Helm's record of the deployed revision.
   *
   * @param attempt what status says about the last operation helmop started, to recognise an interrupted one
   * @param superseded turns true when the HelmRelease changed while Helm works: the operation is stopped
   */
  public ReleaseRecord apply(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history,
      int maxHistory, LastAttempt attempt, BooleanSupplier superseded) throws ReconcileFailure {
    ReleaseRequest request = desired.request();
    if (!history.isEmpty() && history.get(0).isPending()) {
      unlockAbandoned(history.get(0), request, attempt);
    }
    boolean install = isInstall(history);
    try {
      if (install) {
        helm.install(request, superseded);
      } else {
        helm.upgrade(request, null, superseded);
      }
    } catch (HelmStoppedException e) {
      throw undoStopped(release, desired, history, e);
    } catch (HelmException e) {
      records.prune(request.namespace(), request.releaseName(), maxHistory);
      String verb = install ? "Install" : "Upgrade";
      String kept = install ? "" : " The last good revision keeps serving.";
      String summary = HelmFailures.summary(e);
      throw ReconcileFailure.retryable(install ? INSTALL_FAILED : UPGRADE_FAILED, verb + " of chart "
          + desired.chart().nameAndVersion() + " as release " + request.releaseName() + " in namespace "
          + request.namespace() + " failed: " + summary + "." + kept, new HelmException(summary, null));
    }
    records.prune(request.namespace(), request.releaseName(), maxHistory);
    return records.latest(request.namespace(), request.releaseName())
        .filter(ReleaseRecord::isDeployed)
        .orElseThrow(() -> ReconcileFailure.retryable(install ? INSTALL_FAILED : UPGRADE_FAILED, "Helm reported "
            + "success for release " + request.releaseName() + " but its newest record is not deployed; "
            + "helmop retries.", null));
  }

  /**
   * Does what Helm's atomic mode would have done had the stopped operation been allowed to fail: its revision,
   * left pending, is marked failed (a pending revision locks the release), and the objects are put back as the
   * last deployed revision has them. Helm's next upgrade diffs against that revision, so anything the stopped
   * one changed and the next one does not set (a scheduling gate that keeps pods from ever becoming ready)
   * would otherwise stay. A stopped install needs no restore: the next attempt upgrades from its revision.
   */
  private ReconcileFailure undoStopped(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> before,
      HelmStoppedException stop) {
    ReleaseRequest request = desired.request();
    Optional<ReleaseRecord> stopped = records.latest(request.namespace(), request.releaseName())
        .filter(ReleaseRecord::isPending);
    stopped.ifPresent(record -> records.markFailed(record, "helmop: stopped, a newer generation of the "
        + "HelmRelease supersedes it"));
    Optional<ReleaseRecord> lastGood = before.stream().filter(ReleaseRecord::isDeployed).findFirst();
    String undone = "";
    if (stopped.isPresent() && lastGood.isPresent()) {
      List<String> problems = restorer.restore(release, lastGood.get(), stopped.get());
      undone = " Revision " + stopped.get().revision() + " is marked failed and the objects are back as revision "
          + lastGood.get().revision() + " has them"
          + (problems.isEmpty() ? "." : ", except " + String.join("; ", problems) + ".");
    } else if (stopped.isPresent()) {
      undone = " Revision " + stopped.get().revision() + " is marked failed.";
    }
    LOG.info("{}.{}", stop.getMessage(), undone);
    return ReconcileFailure.waiting(SUPERSEDED, "A newer generation of the HelmRelease arrived while helmop was "
        + "releasing chart " + desired.chart().nameAndVersion() + ": " + stop.getMessage() + "." + undone
        + " The newer generation is released next.");
  }

  /**
   * A pending record blocks every Helm operation. helmop never runs two operations on one release, so a pending
   * record comes from another client still at work (a person's `helm upgrade`) or from one that was killed. When
   * status says an earlier helmop process started this very revision, that process is gone (this one would be
   * running it otherwise): the record is marked failed at once. Otherwise no Helm operation outlives its
   * timeout: once the record is older than the timeout plus a margin, it is abandoned and marked failed; until
   * then helmop waits with backoff.
   */
  void unlockAbandoned(ReleaseRecord pending, ReleaseRequest request, LastAttempt attempt)
      throws ReconcileFailure {
    if (startedByAnEarlierProcess(pending, attempt)) {
      LOG.warn("Helm release {} revision {} was left {} by helmop process {}, which is gone; marking it failed "
          + "so Helm can proceed", pending.name(), pending.revision(), pending.status(), attempt.getOperatorInstance());
      records.markFailed(pending, "helmop: marked failed, the helmop process that started it ("
          + attempt.getOperatorInstance() + ") is gone");
      return;
    }
    Instant since = parseTime(pending.lastDeployed());
    Instant abandonedAt = since.plus(request.timeout()).plus(ABANDONED_AFTER);
    if (clock.instant().isBefore(abandonedAt)) {
      throw ReconcileFailure.retryable("ReleaseLocked", "Helm release " + pending.name() + " revision "
          + pending.revision() + " is " + pending.status() + " since " + since + ": another Helm operation is "
          + "running, or one was interrupted. helmop waits until " + abandonedAt + ", then marks it failed and "
          + "retries.", null);
    }
    LOG.warn("Helm release {} revision {} was left {} since {}; marking it failed so Helm can proceed",
        pending.name(), pending.revision(), pending.status(), since);
    records.markFailed(pending, "helmop: marked failed, the operation that left it " + pending.status()
        + " is gone");
  }

  private boolean startedByAnEarlierProcess(ReleaseRecord pending, LastAttempt attempt) {
    return attempt != null
        && LastAttempt.RUNNING.equals(attempt.getResult())
        && Integer.valueOf(pending.revision()).equals(attempt.getRevision())
        && attempt.getOperatorInstance() != null
        && !instance.equals(attempt.getOperatorInstance());
  }

  private static Instant parseTime(String helmTime) {
    try {
      return java.time.OffsetDateTime.parse(helmTime).toInstant();
    } catch (RuntimeException e) {
      return Instant.EPOCH; // unreadable: treat as old
    }
  }

  public static boolean isHelmFailure(ReconcileFailure failure) {
    return INSTALL_FAILED.equals(failure.reason()) || UPGRADE_FAILED.equals(failure.reason());
  }
}
