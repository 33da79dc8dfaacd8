package io.helmop.operator.release;

/**
 * What helmop needs from Helm. The helm-java implementation talks to the cluster; tests of the reconcile logic
 * can use a fake.
 */
public interface HelmEngine {
  /** First install of a release. Throws {@link HelmException} with Helm's message when Helm fails. */
  void install(ReleaseRequest request);

  /** Upgrade of an existing release. */
  default void upgrade(ReleaseRequest request) {
    upgrade(request, null);
  }

  /** Upgrade with a description for Helm's history (`helm history` DESCRIPTION); null: Helm's default. */
  void upgrade(ReleaseRequest request, String description);

  /** Uninstall; a release that does not exist is not an error. */
  void uninstall(String releaseName, String namespace);

  /** Render the chart with the values (no cluster access); throws when the chart does not render. */
  String template(ReleaseRequest request);

  /** Lint the chart with the values; returns Helm's messages, empty when the chart is clean. */
  LintReport lint(ReleaseRequest request);

  record LintReport(boolean failed, java.util.List<String> messages) {}
}
