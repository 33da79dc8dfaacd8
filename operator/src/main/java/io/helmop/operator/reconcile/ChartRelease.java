package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.policy.PolicyReport;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.postrender.PostRendering;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.Releaser;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases the chart through Helm: installs (NOT_INSTALLED), upgrades (OUT_OF_SYNC) or adopts (UNMANAGED), which
 * differ only in what they say. Dependencies first, then the preflight (render, schema, lint, policy rules, dry
 * run), "Progressing" with the attempt in status (so a restart knows who started it), Helm itself, and the
 * deployed revision's status with its drift check and what the policy rules found.
 */
final class ChartRelease implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(ChartRelease.class);

  /** What the log and the Ready message say while Helm works. */
  interface Plan {
    String describe(DesiredRelease desired, List<ReleaseRecord> history);
  }

  static final Plan INSTALL = (desired, history) -> "Installing chart " + desired.chart().nameAndVersion()
      + " as release " + desired.releaseName() + " in namespace " + desired.namespace();
  static final Plan UPGRADE = (desired, history) -> "Upgrading chart " + desired.chart().nameAndVersion()
      + " as release " + desired.releaseName() + " in namespace " + desired.namespace();
  /** Always one new revision: helmop cannot know the digest of a revision it did not make. */
  static final Plan ADOPT = (desired, history) -> "Adopting Helm release " + desired.releaseName() + " (revision "
      + history.get(0).revision() + ", " + history.get(0).chart() + ", installed by another client): upgrading it "
      + "to chart " + desired.chart().nameAndVersion() + " as release " + desired.releaseName() + " in namespace "
      + desired.namespace();

  private final Plan plan;
  private final ReleaseGate gate;
  private final Preflight preflight;
  private final Releaser releaser;
  private final Remediation remediation;
  private final StatusFactory statuses;
  private final CheckDrift checkDrift;
  private final PostRendering postRendering;

  ChartRelease(Plan plan, ReleaseGate gate, Preflight preflight, Releaser releaser, Remediation remediation,
      StatusFactory statuses, CheckDrift checkDrift, PostRendering postRendering) {
    this.postRendering = postRendering;
    this.plan = plan;
    this.gate = gate;
    this.preflight = preflight;
    this.releaser = releaser;
    this.remediation = remediation;
    this.statuses = statuses;
    this.checkDrift = checkDrift;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    Optional<Outcome> blocked = gate.blocks(r);
    if (blocked.isPresent()) {
      return blocked.get();
    }
    List<ReleaseRecord> history = r.history();
    // spec.postRenderers: Helm gets a derived chart, removed once Helm is done with it
    try (PostRendering.Prepared prepared = postRendering.prepare(r.release(), r.desired())) {
      DesiredRelease desired = prepared.desired();
      // before "Progressing": a release that fails its preflight is never touched, and costs one write
      Preflight.Result checked = preflight.check(r.release(), desired);
      if (!checked.passed()) {
        return refused(r, checked);
      }
      String message = plan.describe(desired, history) + " (the release is " + c + ")";
      LOG.info(message);
      HelmReleaseStatus progressing = statuses.progressing(r.release(), message, remediation.start(r.release(),
          desired, Remediation.action(history), Remediation.nextRevision(history)));
      Optional<String> force = DayTwoRequests.forcePending(r.release()); // any Helm release answers it
      r.write(force.map(token -> statuses.forcing(progressing, token)).orElse(progressing));
      List<Notice> forced = force.map(token -> List.of(Notice.normal(Reasons.UPGRADE_FORCED, "Upgrading on request ("
          + DayTwoRequests.FORCE + "=" + token + ") although nothing changed."))).orElse(List.of());
      try {
        r.history(releaser.apply(r.release(), desired, history, maxHistory(r), r.superseded()));
      } catch (ReconcileFailure failure) {
        return helmFailed(r, failure, checked.policy()).withNotices(forced);
      }
      List<Notice> notices = new java.util.ArrayList<>(forced);
      ignoredTestFailure(r).ifPresent(notices::add);
      return checkDrift.afterRelease(r, r.history().get(0), checked.policy()).withNotices(notices);
    } catch (ReconcileFailure failure) {
      return Outcome.of(failure);
    }
  }

  /**
   * The preflight said no: Ready=False with its reason, and what the policy rules found when they ran. In
   * Enforce mode the failure's own Event lists every violation; otherwise (a dry run refused an object) the
   * violations get their Event when they changed.
   */
  private Outcome refused(Reconciliation r, Preflight.Result checked) {
    ReconcileFailure failure = checked.failure();
    Outcome outcome = Outcome.of(failure, false, Optional.empty());
    if (checked.policy() == null) {
      return outcome;
    }
    HelmReleaseStatus status = statuses.policy(r.release(), statuses.failed(r.release(), failure, false),
        checked.policy());
    outcome = outcome.withStatus(status);
    return checked.policy().blocks() ? outcome : withPolicy(r, outcome, checked.policy());
  }

  /** Helm failed after the rules ran: the status still says what they found. */
  private Outcome helmFailed(Reconciliation r, ReconcileFailure failure, PolicyReport policy) {
    boolean helmFailed = Releaser.isHelmFailure(failure);
    Outcome outcome = Outcome.of(failure, helmFailed, Optional.empty());
    if (policy == null) {
      return outcome;
    }
    return withPolicy(r, outcome.withStatus(statuses.policy(r.release(),
        statuses.failed(r.release(), failure, helmFailed), policy)), policy);
  }

  /** The outcome with the Event the policy findings deserve, when they changed. */
  private static Outcome withPolicy(Reconciliation r, Outcome outcome, PolicyReport policy) {
    return PolicyNotices.onChange(r.release().getStatus(), policy).map(notice -> outcome.withNotices(List.of(notice)))
        .orElse(outcome);
  }

  /** spec.test.ignoreFailures kept a revision whose tests failed: still worth a Warning Event. */
  private static Optional<Notice> ignoredTestFailure(Reconciliation r) {
    var test = r.release().getSpec().getTest();
    if (test == null || !Boolean.TRUE.equals(test.getEnable()) || !Boolean.TRUE.equals(test.getIgnoreFailures())) {
      return Optional.empty();
    }
    ReleaseRecord deployed = r.history().get(0);
    List<String> failed = io.helmop.operator.release.TestRun.of(deployed).failed();
    return failed.isEmpty() ? Optional.empty() : Optional.of(Notice.warning(Reasons.TEST_FAILED, "Test "
        + String.join(", ", failed) + " of release " + deployed.name() + " revision " + deployed.revision()
        + " failed; the revision is kept because spec.test.ignoreFailures is true."));
  }

  static int maxHistory(Reconciliation r) {
    Integer max = r.release().getSpec().getMaxHistory();
    return max == null ? 10 : max;
  }
}
