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
    boolean replaceCrds) {

  /** A request that lets Helm create the chart's CRDs on install, as `helm install` does. */
  public ReleaseRequest(String releaseName, String namespace, Path chart, Map<String, Object> values, boolean atomic,
      boolean waitReady, Duration timeout, boolean createNamespace, boolean cleanupOnFail) {
    this(releaseName, namespace, chart, values, atomic, waitReady, timeout, createNamespace, cleanupOnFail, false,
        false);
  }

  /** Without the values: they may hold secrets and must never reach a log line. */
  @Override
  public String toString() {
    return "ReleaseRequest[" + namespace + "/" + releaseName + " chart=" + chart + "]";
  }
}
