package io.helmop.operator.release;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.helmop.api.v1alpha1.CrdPolicy;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.InstallSpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.rollback.RollbackChart;
import java.io.IOException;
import java.nio.file.Path;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Installs or upgrades a release through Helm, then trims Helm's history to maxHistory. */
public class Releaser {
  private static final Logger LOG = LoggerFactory.getLogger(Releaser.class);

  private final HelmEngine helm;
  private final ReleaseRecords records;
  private final ObjectRestorer restorer;
  private final Path workDir;
  /** Releases ("namespace/name") a Helm call is running for: two HelmReleases naming one never run at once. */
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  /** @param workDir where the chart of a rollback after failed tests is written for Helm */
  public Releaser(HelmEngine helm, ReleaseRecords records, ObjectRestorer restorer, Path workDir) {
    this.workDir = workDir;
    this.helm = helm;
    this.records = records;
    this.restorer = restorer;
  }

  /**
   * Install when Helm has no revision of the release, else upgrade: Helm upgrades from the last deployed
   * revision, or from a failed one when none was ever deployed (an install that was interrupted).
   */
  public static boolean isInstall(List<ReleaseRecord> history) {
    return history.isEmpty();
  }

  /**
   * Returns Helm's history of the release afterwards, the deployed revision first.
   *
   * @param superseded turns true when the HelmRelease changed while Helm works: the operation is stopped
   */
  public List<ReleaseRecord> apply(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history,
      int maxHistory, BooleanSupplier superseded) throws ReconcileFailure {
    ReleaseRequest request = desired.request();
    String key = request.namespace() + "/" + request.releaseName();
    if (!inFlight.add(key)) {
      throw ReconcileFailure.retryable(Reasons.RELEASE_LOCKED, "Another HelmRelease is releasing Helm release "
          + request.releaseName() + " in namespace " + request.namespace() + " right now; helmop looks again with "
          + "backoff (only one HelmRelease may own a release).", null);
    }
    try {
      return applyOwned(release, desired, history, maxHistory, superseded);
    } finally {
      inFlight.remove(key);
    }
  }

  /**
   * Helm's call, with the revisions it wrote marked as this HelmRelease's. The history is read again first:
   * another HelmRelease may have released the same name since this one was classified.
   */
  private List<ReleaseRecord> applyOwned(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history,
      int maxHistory, BooleanSupplier superseded) throws ReconcileFailure {
    boolean install = isInstall(history);
    // an install runs with spec.install's own atomic, wait and timeout
    ReleaseRequest request = install ? desired.request().forInstall() : desired.request();
    ReleaseOwner owner = ReleaseOwner.of(release);
    List<ReleaseRecord> now = records.history(request.namespace(), request.releaseName());
    Optional<ReleaseOwner> marked = ReleaseRecords.owner(now);
    if (marked.isPresent() && !marked.get().isHelmRelease(release)) {
      throw marked.get().ownedBy(release);
    }
    int newestBefore = now.stream().mapToInt(ReleaseRecord::revision).max().orElse(0);
    HelmTestsFailedException testsFailed = null;
    prepareCrds(release, desired, install);
    try {
      String description = ReleaseRecords.appliedDescription(install, desired.digest());
      try {
        if (install) {
          helm.install(request, description, superseded);
        } else {
          helm.upgrade(request, description, superseded);
        }
      } finally { // failed revisions too: the next attempt must still find the release this HelmRelease's
        records.markNewRevisions(request.namespace(), request.releaseName(), newestBefore, owner);
      }
    } catch (HelmStoppedException e) {
      throw undoStopped(release, desired, history, e);
    } catch (HelmTestsFailedException e) {
      testsFailed = e; // Helm released: what happens next depends on spec.test.ignoreFailures
    } catch (HelmException e) {
      records.prune(request.namespace(), request.releaseName(), maxHistory);
      String verb = install ? "Install" : "Upgrade";
      String kept = install ? "" : " The last good revision keeps serving.";
      String summary = HelmFailures.summary(e);
      throw ReconcileFailure.retryable(install ? Reasons.INSTALL_FAILED : Reasons.UPGRADE_FAILED, verb + " of chart "
          + desired.chart().nameAndVersion() + " as release " + request.releaseName() + " in namespace "
          + request.namespace() + " failed: " + summary + "." + kept
          + io.helmop.operator.tenancy.Forbidden.explain(summary).map(rbac -> " " + rbac).orElse(""),
          new HelmException(summary, null));
    }
    if (testsFailed == null) {
      // after failed tests the revision before is still needed (the rollback); remediateTests prunes
      records.prune(request.namespace(), request.releaseName(), maxHistory);
    }
    List<ReleaseRecord> after = records.history(request.namespace(), request.releaseName());
    if (after.isEmpty() || !after.get(0).isDeployed()) {
      throw ReconcileFailure.retryable(install ? Reasons.INSTALL_FAILED : Reasons.UPGRADE_FAILED, "Helm reported "
          + "success for release " + request.releaseName() + " but its newest record is not deployed; helmop "
          + "retries.", null);
    }
    if (testsFailed != null && !request.options().test().ignoreFailures()) {
      throw remediateTests(release, desired, request, history, after.get(0), testsFailed, maxHistory);
    }
    return after;
  }

  /**
   * The tests of a revision Helm just deployed failed: it is treated as a failed install or upgrade. Atomic
   * (the default) undoes it as Helm's --atomic would: an install is uninstalled, an upgrade rolled back to the
   * revision that served before (a new revision reproducing it, as `helm rollback` makes). Otherwise the tested
   * revision stays, marked failed, and the next attempt upgrades from it. The attempt counts against the retries.
   */
  private ReconcileFailure remediateTests(HelmRelease release, DesiredRelease desired, ReleaseRequest request,
      List<ReleaseRecord> before, ReleaseRecord tested, HelmTestsFailedException failure, int maxHistory) {
    boolean install = isInstall(before);
    TestRun run = TestRun.of(tested);
    String which = run.failed().isEmpty() ? "the tests" : "test " + String.join(", ", run.failed());
    String summary = HelmFailures.summary(failure);
    String failedDescription = TESTS_FAILED + ": " + which;
    Optional<ReleaseRecord> lastGood = before.stream().filter(ReleaseRecord::isDeployed).findFirst();
    String undone;
    try {
      if (install && request.atomic()) {
        helm.uninstall(request.releaseName(), request.namespace());
        undone = "The release was uninstalled (spec.install.atomic) and is installed again on the next attempt.";
      } else if (!install && request.atomic() && lastGood.isPresent()) {
        rollBackTo(release, request, lastGood.get(), tested.revision());
        records.markFailed(records.history(request.namespace(), request.releaseName()).stream()
            .filter(r -> r.revision() == tested.revision()).findFirst().orElse(tested), failedDescription);
        undone = "Helm's revision " + tested.revision() + " is marked failed and revision " + lastGood.get().revision()
            + " serves again (rolled back, spec.upgrade.atomic).";
      } else {
        records.markFailed(tested, failedDescription);
        undone = "Revision " + tested.revision() + " stays, marked failed (atomic is false); the next attempt "
            + "upgrades from it.";
      }
    } catch (RuntimeException e) {
      undone = "Undoing it failed too: " + e.getMessage() + ".";
      try {
        // a deployed revision whose tests failed must not pass for the release the spec asks for
        records.markFailed(records.history(request.namespace(), request.releaseName()).stream()
            .filter(r -> r.revision() == tested.revision()).findFirst().orElse(tested), failedDescription);
        undone += " Revision " + tested.revision() + " is marked failed.";
      } catch (RuntimeException unmarked) {
        undone += " Marking revision " + tested.revision() + " failed did not work either: " + unmarked.getMessage()
            + ".";
      }
    }
    records.prune(request.namespace(), request.releaseName(), maxHistory);
    String field = install ? "spec.install.retries" : "spec.upgrade.retries";
    return ReconcileFailure.retryable(Reasons.TEST_FAILED, (install ? "Install" : "Upgrade") + " of chart "
        + desired.chart().nameAndVersion() + " as release " + request.releaseName() + " revision "
        + tested.revision() + " succeeded, but " + which + " failed (spec.test): " + summary + ". " + undone
        + " helmop retries up to " + field + "; fix the chart or its values, or set spec.test.ignoreFailures "
        + "to keep a release whose tests fail.", new HelmException(summary, null));
  }

  /** Helm's rollback (helm-java has none): an upgrade to the chart and values of {@code target}, untested. */
  private void rollBackTo(HelmRelease release, ReleaseRequest request, ReleaseRecord target, int failedRevision) {
    var record = records.releaseJson(request.namespace(), request.releaseName(), target.revision())
        .orElseThrow(() -> new HelmException("Helm keeps no record of revision " + target.revision(), null));
    int newestBefore = records.latest(request.namespace(), request.releaseName()).map(ReleaseRecord::revision)
        .orElse(0);
    try {
      RollbackChart.upgradeTo(helm, record, request, workDir, "helmop: rollback to revision " + target.revision()
          + " after the tests of revision " + failedRevision + " failed");
    } finally {
      records.markNewRevisions(request.namespace(), request.releaseName(), newestBefore, ReleaseOwner.of(release));
    }
  }

  /** How helmop's description of a revision whose tests failed starts (Helm's DESCRIPTION column). */
  public static final String TESTS_FAILED = "helmop: tests failed";

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
    stopped.ifPresent(record -> records.markFailed(record, ReleaseRecords.STOPPED + ", a newer generation of the "
        + "HelmRelease supersedes it"));
    Optional<ReleaseRecord> lastGood = before.stream().filter(ReleaseRecord::isDeployed).findFirst();
    String undone = "";
    if (stopped.isPresent() && lastGood.isPresent()) {
      List<String> problems = restorer.restore(release, lastGood.get(), List.of(stopped.get()));
      if (problems.isEmpty()) { // otherwise the next reconcile tries again before any upgrade
        records.markRestored(records.latest(request.namespace(), request.releaseName()).orElseThrow(),
            lastGood.get().revision());
      }
      undone = " Revision " + stopped.get().revision() + " is marked failed and the objects are back as revision "
          + lastGood.get().revision() + " has them"
          + (problems.isEmpty() ? "." : ", except " + String.join("; ", problems) + ".");
    } else if (stopped.isPresent()) {
      undone = " Revision " + stopped.get().revision() + " is marked failed.";
    }
    LOG.info("{}.{}", stop.getMessage(), undone);
    return ReconcileFailure.waiting(Reasons.SUPERSEDED, "A newer generation of the HelmRelease arrived while "
        + "helmop was releasing chart " + desired.chart().nameAndVersion() + ": " + stop.getMessage() + "." + undone
        + " The newer generation is released next.");
  }

  /** spec.install.crds / spec.upgrade.crds: the chart's CRDs created or replaced before Helm's own call. */
  private void prepareCrds(HelmRelease release, DesiredRelease desired, boolean install) throws ReconcileFailure {
    CrdPolicy policy = install
        ? Optional.ofNullable(release.getSpec().getInstall()).map(InstallSpec::getCrds).orElse(CrdPolicy.Create)
        : Optional.ofNullable(release.getSpec().getUpgrade()).map(UpgradeSpec::getCrds).orElse(CrdPolicy.Skip);
    String field = install ? "spec.install.crds" : "spec.upgrade.crds";
    try {
      ChartCrds.prepare(records.client(), desired.request().chart(), policy, install);
    } catch (IOException | RuntimeException e) {
      String cause = e instanceof KubernetesClientException k && k.getStatus() != null
          ? k.getStatus().getMessage() : e.getMessage();
      throw ReconcileFailure.retryable(install ? Reasons.INSTALL_FAILED : Reasons.UPGRADE_FAILED, "The "
          + "CustomResourceDefinitions of chart " + desired.chart().nameAndVersion() + " could not be applied ("
          + field + ": " + policy + "): " + cause + ". Nothing was released; the last good revision keeps "
          + "serving. Fix the chart's crds/, or set " + field + " to Skip.", null);
    }
  }

  public static boolean isHelmFailure(ReconcileFailure failure) {
    return Reasons.INSTALL_FAILED.equals(failure.reason()) || Reasons.UPGRADE_FAILED.equals(failure.reason())
        || Reasons.TEST_FAILED.equals(failure.reason());
  }
}
