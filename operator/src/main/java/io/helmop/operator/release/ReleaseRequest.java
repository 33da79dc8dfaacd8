package io.helmop.operator.release;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything one Helm install, upgrade or render needs. Values are the merged user values (not chart defaults).
 *
 * @param skipCrds Helm's --skip-crds on install (spec.install.crds: Skip)
 * @param replaceCrds the chart's CRDs replace the installed ones before Helm runs (spec.install.crds or
 *     spec.upgrade.crds: CreateReplace), so the preflight's dry run cannot judge their objects by the installed ones
 * @param options the install's own atomic/wait/timeout (atomic, waitReady and timeout are the upgrade's until
 *     {@link #forInstall}), the remaining switches and the tests
 */
public record ReleaseRequest(
    String releaseName,
    String namespace,
    Path chart,
    Map<String, Object> values,
    boolean atomic,
    boolean waitReady,
    Duration timeout,
    boolean createNamespace,
    boolean cleanupOnFail,
    boolean skipCrds,
    boolean replaceCrds,
    Options options) {

  public ReleaseRequest(String releaseName, String namespace, Path chart, Map<String, Object> values, boolean atomic,
      boolean waitReady, Duration timeout, boolean createNamespace, boolean cleanupOnFail, boolean skipCrds,
      boolean replaceCrds) {
    this(releaseName, namespace, chart, values, atomic, waitReady, timeout, createNamespace, cleanupOnFail, skipCrds,
        replaceCrds, Options.defaults(atomic, waitReady, timeout));
  }

  /** A request that lets Helm create the chart's CRDs on install, as `helm install` does. */
  public ReleaseRequest(String releaseName, String namespace, Path chart, Map<String, Object> values, boolean atomic,
      boolean waitReady, Duration timeout, boolean createNamespace, boolean cleanupOnFail) {
    this(releaseName, namespace, chart, values, atomic, waitReady, timeout, createNamespace, cleanupOnFail, false,
        false);
  }

  /** The request as an install runs it: with spec.install's atomic, wait and timeout. */
  public ReleaseRequest forInstall() {
    Operation install = options.install();
    return new ReleaseRequest(releaseName, namespace, chart, values, install.atomic(), install.waitReady(),
        Duration.ofSeconds(install.timeoutSeconds()), createNamespace, cleanupOnFail, skipCrds, replaceCrds,
        options);
  }

  /** The same request for another copy of the chart (one without values.schema.json, say). */
  public ReleaseRequest withChart(Path other) {
    return new ReleaseRequest(releaseName, namespace, other, values, atomic, waitReady, timeout, createNamespace,
        cleanupOnFail, skipCrds, replaceCrds, options);
  }

  /** The same request with other values (those of an earlier revision, for a rollback). */
  public ReleaseRequest withValues(Map<String, Object> other) {
    return new ReleaseRequest(releaseName, namespace, chart, other, atomic, waitReady, timeout, createNamespace,
        cleanupOnFail, skipCrds, replaceCrds, options);
  }

  /**
   * The same request as a rollback runs it: untested, and with the target revision's values alone (never merged
   * with the failed revision's by preserveValues).
   */
  public ReleaseRequest forRollback() {
    return new ReleaseRequest(releaseName, namespace, chart, values, atomic, waitReady, timeout, createNamespace,
        cleanupOnFail, skipCrds, replaceCrds, new Options(options.install(), options.upgradeDisableOpenApiValidation(),
            options.force(), false, Tests.NONE));
  }

  /**
   * The install's own settings (spec.install), the upgrade's switches and the tests. Seconds rather than
   * Durations: these travel to the Helm worker process as JSON.
   */
  public record Options(Operation install, boolean upgradeDisableOpenApiValidation, boolean force,
      boolean preserveValues, Tests test) {
    static Options defaults(boolean atomic, boolean waitReady, Duration timeout) {
      return new Options(new Operation(atomic, waitReady, timeout.toSeconds(), false), false, false, false,
          Tests.NONE);
    }
  }

  /** spec.install's atomic, wait, timeout and OpenAPI validation. */
  public record Operation(boolean atomic, boolean waitReady, long timeoutSeconds, boolean disableOpenApiValidation) {}

  /** spec.test: whether the chart's test hooks run after a successful install or upgrade. */
  public record Tests(boolean enable, long timeoutSeconds, boolean ignoreFailures) {
    public static final Tests NONE = new Tests(false, 0, false);
  }

  /** Without the values: they may hold secrets and must never reach a log line. */
  @Override
  public String toString() {
    return "ReleaseRequest[" + namespace + "/" + releaseName + " chart=" + chart + "]";
  }
}
