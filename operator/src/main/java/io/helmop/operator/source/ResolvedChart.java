package io.helmop.operator.source;

import java.nio.file.Path;

/** A chart version picked from its source and stored in the local cache. */
public record ResolvedChart(String name, String version, String appVersion, Path archive, String digest) {
  /** {@code name-version}, as `helm list` shows it. */
  public String nameAndVersion() {
    return name + "-" + version;
  }
}
