package io.helmop.operator.reconcile;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.Preflight;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.Releaser;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.status.StatusFactory;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases the chart through Helm: {@link Install}, {@link Upgrade} or {@link Adopt}, which differ only in what
 * they say. Dependencies first, then the preflight, "Progressing" with the attempt in status (so a restart knows
 * who started it), Helm itself, and the deployed revision's status with its drift check.
 */
abstract sealed class ChartRelease implements Action permits ChartRelease.Install, ChartRelease.Upgrade,
    ChartRelease.Adopt {
  private static final Logger LOG = LoggerFactory.getLogger(ChartRelease.class);

  private final ReleaseGate gate;
  private final Preflight preflight;
  private final Releaser releaser;
  private final Remediation remediation;
  private final StatusFactory statuses;
  private final CheckDrift checkDrift;

  ChartRelease(ReleaseGate gate, Preflight preflight, Releaser releaser, Remediation remediation,
      StatusFactory statuses, CheckDrift checkDrift) {
    this.gate = gate;
    this.preflight = preflight;
    this.releaser = releaser;
    this.remediation = remediation;
    this.statuses = statuses;
    this.checkDrift = checkDrift;
  }

  /** The log line and the Ready message while Helm works. */
  abstract String plan(DesiredRelease desired, List<ReleaseRecord> history);

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    Optional<Outcome> blocked = gate.blocks(r);
    if (blocked.isPresent()) {
      return blocked.get();
    }
    DesiredRelease desired = r.desired();
    List<ReleaseRecord> history = r.history();
    try {
      // before "Progressing": a chart that cannot render leaves the status as it was, and costs no write
      preflight.check(desired);
      String plan = plan(desired, history) + " (the release is " + c + ")";
      LOG.info(plan);
      r.write(statuses.progressing(r.release(), plan, remediation.start(r.release(), desired,
          Remediation.action(history), Remediation.nextRevision(history))));
      r.history(releaser.apply(r.release(), desired, history, maxHistory(r), r.superseded()));
      return checkDrift.afterRelease(r, r.history().get(0));
    } catch (ReconcileFailure failure) {
      return Outcome.of(failure, Releaser.isHelmFailure(failure), Optional.empty());
    }
  }

  static int maxHistory(Reconciliation r) {
    Integer max = r.release().getSpec().getMaxHistory();
    return max == null ? 10 : max;
  }

  /** NOT_INSTALLED. */
  static final class Install extends ChartRelease {
    Install(ReleaseGate gate, Preflight preflight, Releaser releaser, Remediation remediation,
        StatusFactory statuses, CheckDrift checkDrift) {
      super(gate, preflight, releaser, remediation, statuses, checkDrift);
    }

    @Override
    String plan(DesiredRelease desired, List<ReleaseRecord> history) {
      return "Installing chart " + desired.chart().nameAndVersion() + " as release " + desired.releaseName()
          + " in namespace " + desired.namespace();
    }
  }

  /** OUT_OF_SYNC. */
  static final class Upgrade extends ChartRelease {
    Upgrade(ReleaseGate gate, Preflight preflight, Releaser releaser, Remediation remediation,
        StatusFactory statuses, CheckDrift checkDrift) {
      super(gate, preflight, releaser, remediation, statuses, checkDrift);
    }

    @Override
    String plan(DesiredRelease desired, List<ReleaseRecord> history) {
      return "Upgrading chart " + desired.chart().nameAndVersion() + " as release " + desired.releaseName()
          + " in namespace " + desired.namespace();
    }
  }

  /**
   * UNMANAGED: a release another client installed is upgraded in place to what the HelmRelease says (always one
   * new revision: helmop cannot know the digest of a revision it did not make).
   */
  static final class Adopt extends ChartRelease {
    Adopt(ReleaseGate gate, Preflight preflight, Releaser releaser, Remediation remediation,
        StatusFactory statuses, CheckDrift checkDrift) {
      super(gate, preflight, releaser, remediation, statuses, checkDrift);
    }

    @Override
    String plan(DesiredRelease desired, List<ReleaseRecord> history) {
      return "Adopting Helm release " + desired.releaseName() + " (revision " + history.get(0).revision() + ", "
          + history.get(0).chart() + ", installed by another client): upgrading it to chart "
          + desired.chart().nameAndVersion() + " as release " + desired.releaseName() + " in namespace "
          + desired.namespace();
    }
  }
}
