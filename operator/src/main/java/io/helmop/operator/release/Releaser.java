package io.helmop.operator.release;

import io.helmop.operator.ReconcileFailure;
import java.util.List;

/** Installs or upgrades a release through Helm, then trims Helm's history to maxHistory. */
public class Releaser {
  public static final String INSTALL_FAILED = "InstallFailed";
  public static final String UPGRADE_FAILED = "UpgradeFailed";

  private final HelmEngine helm;
  private final ReleaseRecords records;

  public Releaser(HelmEngine helm, ReleaseRecords records) {
    this.helm = helm;
    this.records = records;
  }

  /** Returns Helm's record of the deployed revision. */
  public ReleaseRecord apply(DesiredRelease desired, List<ReleaseRecord> history, int maxHistory)
      throws ReconcileFailure {
    boolean install = history.isEmpty();
    ReleaseRequest request = desired.request();
    try {
      if (install) {
        helm.install(request);
      } else {
        helm.upgrade(request);
      }
    } catch (HelmException e) {
      records.prune(request.namespace(), request.releaseName(), maxHistory);
      String verb = install ? "Install" : "Upgrade";
      String kept = install ? "" : " The last good revision keeps serving.";
      throw ReconcileFailure.retryable(install ? INSTALL_FAILED : UPGRADE_FAILED, verb + " of chart "
          + desired.chart().nameAndVersion() + " as release " + request.releaseName() + " in namespace "
          + request.namespace() + " failed: " + HelmException.summary(e) + "." + kept + " helmop retries with backoff.", e);
    }
    records.prune(request.namespace(), request.releaseName(), maxHistory);
    return records.latest(request.namespace(), request.releaseName())
        .filter(ReleaseRecord::isDeployed)
        .orElseThrow(() -> ReconcileFailure.retryable(install ? INSTALL_FAILED : UPGRADE_FAILED, "Helm reported "
            + "success for release " + request.releaseName() + " but its newest record is not deployed; "
            + "helmop retries.", null));
  }

  public static boolean isHelmFailure(ReconcileFailure failure) {
    return INSTALL_FAILED.equals(failure.reason()) || UPGRADE_FAILED.equals(failure.reason());
  }
}
