package io.helmop.operator.release;

import java.util.function.BooleanSupplier;

/**
 * What helmop needs from Helm. The helm-java implementation talks to the cluster; tests of the reconcile logic
 * can use a fake.
 */
public interface HelmEngine {
  /**
   * First install of a release, with a description for Helm's history (null: Helm's default). Throws
   * {@link HelmException} with Helm's message when Helm fails, and {@link HelmStoppedException} when
   * {@code superseded} turned true while Helm was still at work.
   */
  void install(ReleaseRequest request, String description, BooleanSupplier superseded);

  /**
   * Upgrade of an existing release, with a description for Helm's history (`helm history` DESCRIPTION; null:
   * Helm's default). Stopped like {@link #install}.
   */
  void upgrade(ReleaseRequest request, String description, BooleanSupplier superseded);

  /** Uninstall; a release that does not exist is not an error. */
  void uninstall(String releaseName, String namespace);

  /** Uninstall as spec.uninstall asks (keep Helm's history, skip hooks, cascade). */
  default void uninstall(String releaseName, String namespace, UninstallOptions options) {
    if (!UninstallOptions.DEFAULT.equals(options)) {
      throw new UnsupportedOperationException("this Helm engine cannot uninstall with " + options);
    }
    uninstall(releaseName, namespace);
  }

  /** @param cascade background, foreground or orphan */
  record UninstallOptions(boolean keepHistory, boolean disableHooks, String cascade) {
    public static final UninstallOptions DEFAULT = new UninstallOptions(false, false, "background");
  }

  /**
   * Renders the chart with the values as Helm would install it on a cluster of {@code kubeVersion} (e.g.
   * v1.33.2; null: Helm's offline default, v1.20), hooks included, without reaching the cluster. Throws
   * {@link HelmException} with Helm's message when the chart does not render (values.schema.json included).
   */
  RenderedRelease render(ReleaseRequest request, String kubeVersion);

  /** `helm lint` of the chart with the release's values; returns Helm's messages, empty when the chart is clean. */
  LintReport lint(ReleaseRequest request);

  record LintReport(boolean failed, java.util.List<String> messages) {}
}
