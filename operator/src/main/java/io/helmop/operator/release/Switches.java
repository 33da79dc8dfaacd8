package io.helmop.operator.release;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.InstallSpec;
import io.helmop.api.v1alpha1.TestSpec;
import io.helmop.api.v1alpha1.UninstallSpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.Durations;
import io.helmop.operator.status.Reasons;
import java.util.Optional;

/**
 * The Flux switches of spec.install, spec.upgrade, spec.test and spec.uninstall that need more than passing a flag
 * to helm-java: those helm-java 0.0.21 cannot honour are refused (a field that silently did nothing would
 * mislead), the others are read here.
 */
public final class Switches {
  private Switches() {}

  /** Stalled/InvalidSpec for a switch helm-java 0.0.21 has no way to carry out. */
  public static void refuseUnsupported(HelmReleaseSpec spec) throws ReconcileFailure {
    InstallSpec install = Optional.ofNullable(spec.getInstall()).orElseGet(InstallSpec::new);
    UpgradeSpec upgrade = Optional.ofNullable(spec.getUpgrade()).orElseGet(UpgradeSpec::new);
    UninstallSpec uninstall = spec.getUninstall();
    refuse("spec.install.replace", Boolean.TRUE.equals(install.getReplace()), "true",
        "helm-java 0.0.21 cannot pass `helm install --replace`");
    refuse("spec.install.disableWaitForJobs", Boolean.FALSE.equals(install.getDisableWaitForJobs()), "false",
        "helm-java 0.0.21 cannot pass --wait-for-jobs and helmop does not wait for Jobs itself; remove the field "
            + "or set it to true, which is what helmop does");
    refuse("spec.upgrade.disableWaitForJobs", Boolean.FALSE.equals(upgrade.getDisableWaitForJobs()), "false",
        "helm-java 0.0.21 cannot pass --wait-for-jobs and helmop does not wait for Jobs itself; remove the field "
            + "or set it to true, which is what helmop does");
    boolean rendersItself = io.helmop.operator.postrender.PostRenderers.requested(spec)
        || Boolean.TRUE.equals(upgrade.getDisableHooks());
    refuse("spec.upgrade.preserveValues", Boolean.TRUE.equals(upgrade.getPreserveValues()) && rendersItself,
        "true", "helmop renders the chart itself for spec.postRenderers, spec.commonMetadata and disableHooks, with "
            + "the spec's values, not the values Helm would reuse; drop one of them");
    if (uninstall != null) {
      refuse("spec.uninstall.timeout", uninstall.getTimeout() != null, "\"" + uninstall.getTimeout() + "\"",
          "helm-java 0.0.21's uninstall takes no timeout; remove the field");
    }
    if (spec.getTest() != null && spec.getTest().getTimeout() != null) {
      Durations.parse("spec.test.timeout", spec.getTest().getTimeout(), "5m");
    }
  }

  private static void refuse(String field, boolean set, String value, String why) throws ReconcileFailure {
    if (set) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + " is " + value + ", but " + why + ". Nothing "
          + "was released; change the field and helmop goes on at once.");
    }
  }

  /** spec.test as the Helm worker runs it; no timeout of its own means the operation's. */
  static ReleaseRequest.Tests tests(HelmReleaseSpec spec) throws ReconcileFailure {
    TestSpec test = spec.getTest();
    if (test == null || !Boolean.TRUE.equals(test.getEnable())) {
      return ReleaseRequest.Tests.NONE;
    }
    long timeout = test.getTimeout() == null ? 0
        : Durations.parse("spec.test.timeout", test.getTimeout(), "5m").toSeconds();
    return new ReleaseRequest.Tests(true, timeout, Boolean.TRUE.equals(test.getIgnoreFailures()));
  }

  /**
   * spec.install.disableSchemaValidation until the release was first applied, spec.upgrade's afterwards: the
   * preflight renders the same chart copy Helm gets, before it is known whether Helm will install or upgrade.
   */
  static boolean schemaValidationDisabled(HelmRelease release) {
    boolean applied = release.getStatus() != null && release.getStatus().getLastAppliedRevision() != null;
    HelmReleaseSpec spec = release.getSpec();
    return applied
        ? spec.getUpgrade() != null && Boolean.TRUE.equals(spec.getUpgrade().getDisableSchemaValidation())
        : spec.getInstall() != null && Boolean.TRUE.equals(spec.getInstall().getDisableSchemaValidation());
  }

  /**
   * spec.install.disableHooks until the release was first applied, spec.upgrade's afterwards (as
   * {@link #schemaValidationDisabled}). helm-java has no --no-hooks: the chart goes to Helm as a derived chart
   * without its hooks (see PostRendering).
   */
  public static boolean hooksDisabled(HelmRelease release) {
    boolean applied = release.getStatus() != null && release.getStatus().getLastAppliedRevision() != null;
    HelmReleaseSpec spec = release.getSpec();
    return applied
        ? spec.getUpgrade() != null && Boolean.TRUE.equals(spec.getUpgrade().getDisableHooks())
        : spec.getInstall() != null && Boolean.TRUE.equals(spec.getInstall().getDisableHooks());
  }

  /** spec.uninstall, as helm-java's uninstall takes it. */
  public static HelmEngine.UninstallOptions uninstall(HelmRelease release) {
    UninstallSpec spec = release.getSpec().getUninstall();
    if (spec == null) {
      return HelmEngine.UninstallOptions.DEFAULT;
    }
    return new HelmEngine.UninstallOptions(Boolean.TRUE.equals(spec.getKeepHistory()),
        Boolean.TRUE.equals(spec.getDisableHooks()),
        spec.getDeletionPropagation() == null ? "background" : spec.getDeletionPropagation());
  }
}
