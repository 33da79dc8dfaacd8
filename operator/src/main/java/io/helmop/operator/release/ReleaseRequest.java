package io.helmop.operator.release;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Everything one Helm install, upgrade or render needs. Values are the merged user values (not chart defaults). */
public record ReleaseRequest(
    String releaseName,
    String namespace,
    Path chart,
    Map<String, Object> values,
    boolean atomic,
    boolean waitReady,
    Duration timeout,
    boolean createNamespace,
    boolean cleanupOnFail) {

  /** Without the values: they may hold secrets and must never reach a log line. */
  @Override
  public String toString() {
    return "ReleaseRequest[" + namespace + "/" + releaseName + " chart=" + chart + "]";
  }
}
