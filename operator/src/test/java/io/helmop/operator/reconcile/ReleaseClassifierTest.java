package io.helmop.operator.reconcile;

import static io.helmop.operator.reconcile.ReleaseState.DELETING;
import static io.helmop.operator.reconcile.ReleaseState.FAILED_NOT_RESTORED;
import static io.helmop.operator.reconcile.ReleaseState.IN_SYNC;
import static io.helmop.operator.reconcile.ReleaseState.NOT_INSTALLED;
import static io.helmop.operator.reconcile.ReleaseState.OUT_OF_SYNC;
import static io.helmop.operator.reconcile.ReleaseState.OWNED_BY_ANOTHER;
import static io.helmop.operator.reconcile.ReleaseState.PENDING_ABANDONED;
import static io.helmop.operator.reconcile.ReleaseState.PENDING_LOCKED;
import static io.helmop.operator.reconcile.ReleaseState.RESET_REQUESTED;
import static io.helmop.operator.reconcile.ReleaseState.RETRIES_EXHAUSTED;
import static io.helmop.operator.reconcile.ReleaseState.ROLLBACK_REQUESTED;
import static io.helmop.operator.reconcile.ReleaseState.ROLLED_BACK;
import static io.helmop.operator.reconcile.ReleaseState.SUSPENDED;
import static io.helmop.operator.reconcile.ReleaseState.UNMANAGED;
import static io.helmop.operator.reconcile.ReleaseState.UNMARKED;
import static io.helmop.operator.reconcile.ReleaseState.UPGRADE_FORCED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.api.v1alpha1.RollbackStatus;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.ReleaseOwner;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.rollback.RollbackRequest;
import io.helmop.operator.source.ResolvedChart;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classifier's table: each row is a situation (the HelmRelease, Helm's history, the clock) and the state it
 * must be named. Rows build on a release helmop applied as revision 3 from digest {@code APPLIED}; Helm's records
 * carry the marks of this HelmRelease ({@link #MINE}) unless a row says otherwise.
 */
class ReleaseClassifierTest {
  static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  static final String ME = "helmop-me";
  static final DesiredRelease APPLIED = desired("one");
  static final DesiredRelease CHANGED = desired("two");
  /** spec.install.timeout 20m beside spec.upgrade.timeout 5m. */
  static final DesiredRelease LONG_INSTALL = DesiredRelease.of(
      new ResolvedChart("hello", "0.1.0", "1.0.0", Path.of("/x.tgz"), "sha256:chart"),
      new ReleaseRequest("web", "apps", Path.of("/x.tgz"), Map.of("message", "two"), true, true,
          Duration.ofMinutes(5), false, true, false, false, new ReleaseRequest.Options(
              new ReleaseRequest.Operation(true, true, Duration.ofMinutes(20).toSeconds(), false), false, false,
              false, ReleaseRequest.Tests.NONE)));
  /** spec.upgrade.atomic=false: a failed revision is kept until the next upgrade. */
  static final DesiredRelease NON_ATOMIC = desired("three", false);
  static final ReleaseOwner MINE = new ReleaseOwner("apps", "web", "uid-web");
  static final ReleaseOwner OTHER_TEAM = new ReleaseOwner("team-b", "web", "uid-b");
  private static final Set<ReleaseState> COVERED = EnumSet.noneOf(ReleaseState.class);

  record Row(String situation, ReleaseState expected, HelmRelease release, DesiredRelease desired,
      List<ReleaseRecord> history) {
    @Override
    public String toString() {
      return situation + " -> " + expected;
    }
  }

  static Stream<Arguments> table() {
    List<Row> rows = new ArrayList<>();
    // lifecycle
    rows.add(row("being deleted (even while suspended)", DELETING, r -> {
      r.getMetadata().setDeletionTimestamp("2026-11-30T11:00:00Z");
      r.getSpec().setSuspend(true);
    }, APPLIED, deployed(3)));
    rows.add(row("suspended, though the values changed", SUSPENDED, r -> r.getSpec().setSuspend(true), CHANGED,
        deployed(3)));
    rows.add(row("a rollback annotation, whatever else", ROLLBACK_REQUESTED,
        r -> r.getMetadata().setAnnotations(Map.of(RollbackRequest.ANNOTATION, "2")), CHANGED, deployed(3)));
    rows.add(row("an invalid rollback annotation is still a request (refused by the action)", ROLLBACK_REQUESTED,
        r -> r.getMetadata().setAnnotations(Map.of(RollbackRequest.ANNOTATION, "two")), APPLIED, deployed(3)));
    // nothing installed yet
    rows.add(row("no Helm history, no status", NOT_INSTALLED, r -> r.setStatus(null), APPLIED, List.of()));
    rows.add(row("no Helm history though status says applied (someone ran helm uninstall)", NOT_INSTALLED,
        r -> { }, APPLIED, List.of()));
    rows.add(row("install retries used up", RETRIES_EXHAUSTED,
        r -> r.getStatus().setLastAttempt(attempt(APPLIED, 1, LastAttempt.FAILED, 4, "helmop-old")), APPLIED,
        List.of()));
    // in sync, and what takes a release out of sync
    rows.add(row("newest revision deployed, made by helmop from this digest", IN_SYNC, r -> { }, APPLIED,
        deployed(3)));
    rows.add(row("the values changed", OUT_OF_SYNC, r -> { }, CHANGED, deployed(3)));
    rows.add(row("Helm made revision 4 from this digest, but the status write after it was lost", IN_SYNC,
        r -> { }, APPLIED, List.of(record(4, "deployed", ReleaseRecords.appliedDescription(false, APPLIED.digest())),
            record(3, "superseded", ""))));
    rows.add(row("a revision made from another digest is not taken for this one", OUT_OF_SYNC, r -> { }, CHANGED,
        List.of(record(4, "deployed", ReleaseRecords.appliedDescription(false, APPLIED.digest())),
            record(3, "superseded", ""))));
    rows.add(row("someone ran helm upgrade by hand (revision 4 is not helmop's, nor marked)", OUT_OF_SYNC, r -> { },
        APPLIED, List.of(unmarked(record(4, "deployed", "Upgrade complete")), record(3, "superseded", ""))));
    rows.add(row("Helm's newest revision failed (a non-atomic upgrade): restore before upgrading again",
        FAILED_NOT_RESTORED, r -> { }, NON_ATOMIC, List.of(record(4, "failed", "Upgrade failed"),
            record(3, "deployed", ""))));
    rows.add(row("an install that failed leaves no deployed revision: upgrade from it", OUT_OF_SYNC,
        r -> r.setStatus(new HelmReleaseStatus()), APPLIED, List.of(record(1, "failed", "Install failed"))));
    rows.add(row("upgrade retries used up for this digest and generation", RETRIES_EXHAUSTED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 4, ME)), CHANGED, deployed(3)));
    rows.add(row("an attempt left running by a killed process counts as failed", RETRIES_EXHAUSTED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.RUNNING, 3, "helmop-old")), CHANGED,
        deployed(3)));
    rows.add(row("retries used up for the old values: new values start afresh", OUT_OF_SYNC,
        r -> r.getStatus().setLastAttempt(attempt(APPLIED, 1, LastAttempt.FAILED, 9, ME)), CHANGED, deployed(3)));
    rows.add(row("retries used up for the old generation: a new generation starts afresh", OUT_OF_SYNC, r -> {
      r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 9, ME));
      r.getMetadata().setGeneration(2L);
    }, CHANGED, deployed(3)));
    rows.add(row("spec.upgrade.retries=0: the first failure stalls", RETRIES_EXHAUSTED, r -> {
      r.getSpec().setUpgrade(new UpgradeSpec());
      r.getSpec().getUpgrade().setRetries(0);
      r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 1, ME));
    }, CHANGED, deployed(3)));
    rows.add(row("in sync beats old failures", IN_SYNC,
        r -> r.getStatus().setLastAttempt(attempt(APPLIED, 1, LastAttempt.FAILED, 9, ME)), APPLIED, deployed(3)));
    // another client's release
    rows.add(row("a release the helm CLI installed, never applied by this HelmRelease", UNMANAGED,
        r -> r.setStatus(new HelmReleaseStatus()), APPLIED, List.of(unmarked(record(1, "deployed",
            "Install complete")))));
    rows.add(row("a failed helm CLI install is adopted too (not upgraded unannounced)", UNMANAGED,
        r -> r.setStatus(null), APPLIED, List.of(unmarked(record(1, "failed", "Install failed")))));
    rows.add(row("an unowned release beats a force request (no unannounced adoption)", UNMANAGED, r -> {
      r.setStatus(null);
      r.getMetadata().setAnnotations(Map.of(DayTwoRequests.FORCE, "now"));
    }, APPLIED, List.of(unmarked(record(1, "deployed", "Install complete")))));
    rows.add(row("an unowned release with a pending operation: wait for it first", PENDING_LOCKED,
        r -> r.setStatus(null), APPLIED, List.of(unmarked(pending(2, NOW)), unmarked(record(1, "deployed", "")))));
    // who owns the release
    rows.add(row("marked as another namespace's HelmRelease's", OWNED_BY_ANOTHER, r -> r.setStatus(null), APPLIED,
        List.of(markedBy(OTHER_TEAM, record(1, "deployed", "Install complete")))));
    rows.add(row("another's, though this HelmRelease once applied it (the newest marks count)", OWNED_BY_ANOTHER,
        r -> { }, APPLIED, List.of(markedBy(OTHER_TEAM, record(4, "deployed", "")), record(3, "superseded", ""))));
    rows.add(row("another HelmRelease's of the same namespace", OWNED_BY_ANOTHER, r -> { }, APPLIED,
        List.of(markedBy(new ReleaseOwner("apps", "web-copy", "uid-copy"), record(3, "deployed", "")))));
    rows.add(row("another's beats a rollback request and a pending revision", OWNED_BY_ANOTHER,
        r -> r.getMetadata().setAnnotations(Map.of(RollbackRequest.ANNOTATION, "1")), APPLIED,
        List.of(markedBy(OTHER_TEAM, pending(2, NOW)), markedBy(OTHER_TEAM, record(1, "deployed", "")))));
    rows.add(row("another's, but suspended: no action anyway", SUSPENDED, r -> r.getSpec().setSuspend(true),
        APPLIED, List.of(markedBy(OTHER_TEAM, record(1, "deployed", "")))));
    rows.add(row("marked as this HelmRelease's, though its status was lost", OUT_OF_SYNC, r -> r.setStatus(null),
        APPLIED, deployed(3)));
    rows.add(row("applied by this HelmRelease before releases were marked", UNMARKED, r -> { }, APPLIED,
        List.of(unmarked(record(3, "deployed", "Upgrade complete")))));
    rows.add(row("marked for an earlier HelmRelease of this namespace and name (another uid)", UNMARKED,
        r -> r.setStatus(null), APPLIED, List.of(markedBy(new ReleaseOwner("apps", "web", "uid-old"),
            record(1, "deployed", "")))));
    // pending revisions
    rows.add(row("pending, started by an earlier helmop process", PENDING_ABANDONED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.RUNNING, 0, "helmop-old", 4)), CHANGED,
        List.of(pending(4, NOW.minusSeconds(10)), record(3, "deployed", ""))));
    rows.add(row("pending, started by this very process (not abandoned)", PENDING_LOCKED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.RUNNING, 0, ME, 4)), CHANGED,
        List.of(pending(4, NOW.minusSeconds(10)), record(3, "deployed", ""))));
    rows.add(row("pending, another client's, within its timeout + 1 min", PENDING_LOCKED, r -> { }, CHANGED,
        List.of(pending(4, NOW.minus(Duration.ofMinutes(5)).plusSeconds(59)), record(3, "deployed", ""))));
    rows.add(row("pending, another client's, timeout + 1 min ago", PENDING_ABANDONED, r -> { }, CHANGED,
        List.of(pending(4, NOW.minus(Duration.ofMinutes(6))), record(3, "deployed", ""))));
    rows.add(row("pending-install within a longer spec.install.timeout is not abandoned", PENDING_LOCKED,
        r -> { }, LONG_INSTALL, List.of(pending(1, NOW.minus(Duration.ofMinutes(6))))));
    rows.add(row("pending beats retries exhausted", PENDING_ABANDONED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.RUNNING, 9, "helmop-old", 4)), CHANGED,
        List.of(pending(4, NOW), record(3, "deployed", ""))));
    rows.add(row("pending with an unreadable time counts as old", PENDING_ABANDONED, r -> { }, APPLIED,
        List.of(record(4, "pending-upgrade", ""), record(3, "deployed", ""))));
    // revisions helmop marked failed
    rows.add(row("marked failed by helmop (process gone), objects not restored", FAILED_NOT_RESTORED, r -> { },
        CHANGED, List.of(record(4, "failed", ReleaseRecords.ABANDONED + ", the helmop process ... is gone"),
            record(3, "deployed", ""))));
    rows.add(row("stopped by helmop for a newer generation, objects not restored", FAILED_NOT_RESTORED, r -> { },
        CHANGED, List.of(record(4, "failed", ReleaseRecords.STOPPED + ", a newer generation"),
            record(3, "deployed", ""))));
    rows.add(row("marked failed and restored: upgrade", OUT_OF_SYNC, r -> { }, CHANGED,
        List.of(record(4, "failed", ReleaseRecords.STOPPED + "; " + ReleaseRecords.RESTORED + " 3"),
            record(3, "deployed", ""))));
    rows.add(row("marked failed with nothing deployed to restore: upgrade from it", OUT_OF_SYNC,
        r -> r.setStatus(new HelmReleaseStatus()), APPLIED,
        List.of(record(1, "failed", ReleaseRecords.ABANDONED + ", the operation is gone"))));
    // revisions Helm itself left failed
    rows.add(row("an atomic upgrade whose rollback failed: restore at once", FAILED_NOT_RESTORED, r -> { },
        CHANGED, List.of(record(5, "failed", "Rollback \"web\" failed: admission webhook denied"),
            record(4, "superseded", "Upgrade \"web\" failed: context deadline exceeded"),
            record(3, "deployed", ""))));
    rows.add(row("an atomic upgrade whose rollback failed, retries used up: restored all the same",
        FAILED_NOT_RESTORED, r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 4, ME)),
        CHANGED, List.of(record(5, "failed", "Release \"web\" failed: context deadline exceeded"),
            record(4, "failed", "Upgrade \"web\" failed"), record(3, "deployed", ""))));
    rows.add(row("a failed revision already restored: upgrade", OUT_OF_SYNC, r -> { }, CHANGED,
        List.of(record(5, "failed", "Rollback failed; " + ReleaseRecords.RESTORED + " 3"),
            record(4, "failed", "Upgrade failed"), record(3, "deployed", ""))));
    rows.add(row("non-atomic, retries used up: the failed revision stays as it is", RETRIES_EXHAUSTED,
        r -> r.getStatus().setLastAttempt(attempt(NON_ATOMIC, 1, LastAttempt.FAILED, 4, ME)), NON_ATOMIC,
        List.of(record(4, "failed", "Upgrade failed"), record(3, "deployed", ""))));
    rows.add(row("non-atomic, retries used up, then the spec changes: restore before upgrading",
        FAILED_NOT_RESTORED, r -> {
          r.getStatus().setLastAttempt(attempt(NON_ATOMIC, 1, LastAttempt.FAILED, 4, ME));
          r.getMetadata().setGeneration(2L);
        }, NON_ATOMIC, List.of(record(4, "failed", "Upgrade failed"), record(3, "deployed", ""))));
    rows.add(row("non-atomic, retries used up, a force request: restore before the forced upgrade",
        FAILED_NOT_RESTORED, r -> {
          r.getStatus().setLastAttempt(attempt(NON_ATOMIC, 1, LastAttempt.FAILED, 4, ME));
          r.getMetadata().setAnnotations(Map.of(DayTwoRequests.FORCE, "now"));
        }, NON_ATOMIC, List.of(record(4, "failed", "Upgrade failed"), record(3, "deployed", ""))));
    rows.add(row("a rollback request on a failed revision: restore before the rollback's upgrade",
        FAILED_NOT_RESTORED, r -> r.getMetadata().setAnnotations(Map.of(RollbackRequest.ANNOTATION, "3")),
        NON_ATOMIC, List.of(record(4, "failed", "Upgrade failed"), record(3, "deployed", ""))));
    rows.add(row("a rollback request once the failed revision is restored", ROLLBACK_REQUESTED,
        r -> r.getMetadata().setAnnotations(Map.of(RollbackRequest.ANNOTATION, "3")), NON_ATOMIC,
        List.of(record(4, "failed", "Upgrade failed; " + ReleaseRecords.RESTORED + " 3"),
            record(3, "deployed", ""))));
    rows.add(row("pending-rollback: Helm's rollback of an attempt whose process is gone", PENDING_ABANDONED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.RUNNING, 0, "helmop-old", 4)), CHANGED,
        List.of(pendingRollback(5, NOW.minusSeconds(10)), record(4, "failed", "Upgrade failed"),
            record(3, "deployed", ""))));
    rows.add(row("pending-rollback of this very process's attempt (not abandoned)", PENDING_LOCKED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.RUNNING, 0, ME, 4)), CHANGED,
        List.of(pendingRollback(5, NOW.minusSeconds(10)), record(4, "failed", "Upgrade failed"),
            record(3, "deployed", ""))));
    rows.add(row("pending-upgrade two revisions after the attempt's is not the attempt's", PENDING_LOCKED,
        r -> r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.RUNNING, 0, "helmop-old", 3)), CHANGED,
        List.of(pending(5, NOW.minusSeconds(10)), record(4, "failed", ""), record(3, "deployed", ""))));
    rows.add(row("marked failed by helmop, retries used up: restored all the same", FAILED_NOT_RESTORED,
        r -> r.getStatus().setLastAttempt(attempt(NON_ATOMIC, 1, LastAttempt.FAILED, 4, ME)), NON_ATOMIC,
        List.of(record(4, "failed", ReleaseRecords.ABANDONED + ", the operation is gone"),
            record(3, "deployed", ""))));
    // rollbacks on request
    rows.add(row("on the revision rolled back to, spec as it was", ROLLED_BACK, r -> held(r, 5, APPLIED), APPLIED,
        List.of(record(5, "deployed", "helmop: rollback to revision 2"), record(4, "superseded", ""))));
    rows.add(row("rolled back, then the values changed", OUT_OF_SYNC, r -> held(r, 5, APPLIED), CHANGED,
        List.of(record(5, "deployed", "helmop: rollback to revision 2"), record(4, "superseded", ""))));
    rows.add(row("rolled back, then someone upgraded by hand", OUT_OF_SYNC, r -> held(r, 5, APPLIED), APPLIED,
        List.of(record(6, "deployed", "Upgrade complete"), record(5, "superseded", ""))));
    // day-2 requests
    rows.add(row("a reset request, though retries are used up", RESET_REQUESTED, r -> {
      r.getMetadata().setAnnotations(Map.of(DayTwoRequests.RESET, "1700000000"));
      r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 9, ME));
    }, CHANGED, deployed(3)));
    rows.add(row("a reset request already answered", RETRIES_EXHAUSTED, r -> {
      r.getMetadata().setAnnotations(Map.of(DayTwoRequests.RESET, "1700000000"));
      r.getStatus().setLastHandledResetAt("1700000000");
      r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 9, ME));
    }, CHANGED, deployed(3)));
    rows.add(row("a force request while in sync", UPGRADE_FORCED,
        r -> r.getMetadata().setAnnotations(Map.of(DayTwoRequests.FORCE, "now")), APPLIED, deployed(3)));
    rows.add(row("a force request beats retries exhausted", UPGRADE_FORCED, r -> {
      r.getMetadata().setAnnotations(Map.of(DayTwoRequests.FORCE, "now"));
      r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 9, ME));
    }, CHANGED, deployed(3)));
    rows.add(row("a force request already answered", IN_SYNC, r -> {
      r.getMetadata().setAnnotations(Map.of(DayTwoRequests.FORCE, "now"));
      r.getStatus().setLastHandledForceAt("now");
    }, APPLIED, deployed(3)));
    rows.add(row("a force request waits for a pending revision", PENDING_LOCKED,
        r -> r.getMetadata().setAnnotations(Map.of(DayTwoRequests.FORCE, "now")), APPLIED,
        List.of(pending(4, NOW), record(3, "deployed", ""))));
    rows.add(row("a force request with nothing deployed installs", NOT_INSTALLED,
        r -> r.getMetadata().setAnnotations(Map.of(DayTwoRequests.FORCE, "now")), APPLIED, List.of()));
    rows.add(row("a reconcile request changes no state", IN_SYNC,
        r -> r.getMetadata().setAnnotations(Map.of(DayTwoRequests.RECONCILE, "now")), APPLIED, deployed(3)));
    rows.add(row("retries: -1 never runs out", OUT_OF_SYNC, r -> {
      r.getSpec().setUpgrade(new UpgradeSpec());
      r.getSpec().getUpgrade().setRetries(-1);
      r.getStatus().setLastAttempt(attempt(CHANGED, 1, LastAttempt.FAILED, 1000, ME));
    }, CHANGED, deployed(3)));
    return rows.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void namesTheState(Row row) {
    Classification classification = ReleaseClassifier.classify(new ReleaseFacts(row.release(), row.desired(),
        row.history(), ME, NOW));
    assertThat(classification.state()).as(row.situation()).isEqualTo(row.expected());
    assertThat(classification.toString()).startsWith(row.expected().text());
    COVERED.add(classification.state());
  }

  @AfterAll
  static void everyStateHasARow() {
    assertThat(COVERED).containsExactlyInAnyOrder(ReleaseState.values());
  }

  // --- building the rows

  static Row row(String situation, ReleaseState expected, Consumer<HelmRelease> change, DesiredRelease desired,
      List<ReleaseRecord> history) {
    HelmRelease release = applied();
    change.accept(release);
    return new Row(situation, expected, release, desired, history);
  }

  /** A HelmRelease helmop applied as revision 3 from digest APPLIED, generation 1. */
  static HelmRelease applied() {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("apps").withGeneration(1L)
        .withUid("uid-web").build());
    release.setSpec(new HelmReleaseSpec());
    HelmReleaseStatus status = new HelmReleaseStatus();
    status.setLastAppliedDigest(APPLIED.digest());
    status.setLastAppliedRevision(3);
    status.setLastAttempt(attempt(APPLIED, 1, LastAttempt.SUCCEEDED, 0, ME));
    release.setStatus(status);
    return release;
  }

  static void held(HelmRelease release, int revision, DesiredRelease digest) {
    RollbackStatus rollback = new RollbackStatus();
    rollback.setRevision(revision);
    rollback.setToRevision(2);
    rollback.setHeldDigest(digest.digest());
    release.getStatus().setRollback(rollback);
  }

  static DesiredRelease desired(String message) {
    return desired(message, true);
  }

  static DesiredRelease desired(String message, boolean atomic) {
    return DesiredRelease.of(new ResolvedChart("hello", "0.1.0", "1.0.0", Path.of("/x.tgz"), "sha256:chart"),
        new ReleaseRequest("web", "apps", Path.of("/x.tgz"), Map.of("message", message), atomic, true,
            Duration.ofMinutes(5), false, true));
  }

  static LastAttempt attempt(DesiredRelease desired, long generation, String result, int failures, String by) {
    return attempt(desired, generation, result, failures, by, 4);
  }

  static LastAttempt attempt(DesiredRelease desired, long generation, String result, int failures, String by,
      int revision) {
    LastAttempt last = new LastAttempt();
    last.setDigest(desired.digest());
    last.setGeneration(generation);
    last.setResult(result);
    last.setFailures(failures);
    last.setOperatorInstance(by);
    last.setRevision(revision);
    return last;
  }

  static List<ReleaseRecord> deployed(int revision) {
    return List.of(record(revision, "deployed", "Upgrade complete"));
  }

  static ReleaseRecord pending(int revision, Instant since) {
    return new ReleaseRecord("web", "apps", revision, "pending-upgrade", "hello", "0.1.0", "1.0.0",
        since.toString(), "Preparing upgrade", JsonNodeFactory.instance.objectNode(), "").withOwner(MINE);
  }

  /** What Helm's atomic rollback writes while it waits: the revision after the failed upgrade. */
  static ReleaseRecord pendingRollback(int revision, Instant since) {
    return new ReleaseRecord("web", "apps", revision, "pending-rollback", "hello", "0.1.0", "1.0.0",
        since.toString(), "Rollback to 3", JsonNodeFactory.instance.objectNode(), "").withOwner(MINE);
  }

  static ReleaseRecord record(int revision, String status, String description) {
    return new ReleaseRecord("web", "apps", revision, status, "hello", "0.1.0", "1.0.0", "", description,
        JsonNodeFactory.instance.objectNode(), "").withOwner(MINE);
  }

  /** A revision without owner marks: the helm CLI's, or helmop's from before it marked releases. */
  static ReleaseRecord unmarked(ReleaseRecord record) {
    return record.withOwner(null);
  }

  static ReleaseRecord markedBy(ReleaseOwner owner, ReleaseRecord record) {
    return record.withOwner(owner);
  }
}
