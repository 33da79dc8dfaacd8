package io.helmop.operator.config;

import io.helmop.operator.source.SourceLimits;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Flags bounding what helmop reads from chart sources (Helm repositories, OCI registries, Git): deadlines and
 * sizes. Each falls back to an environment variable, then a default (docs/sources.md explains them).
 */
public class SourceOptions {
  @CommandLine.Option(names = "--source-connect-timeout", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_SOURCE_CONNECT_TIMEOUT:-10s}",
      description = "Longest wait to connect to a chart source (TCP and TLS). Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_SOURCE_CONNECT_TIMEOUT.")
  String connectTimeout;

  @CommandLine.Option(names = "--source-read-timeout", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_SOURCE_READ_TIMEOUT:-30s}",
      description = "Longest silence of a chart source: no response headers, or no byte of a body, for this long "
          + "ends the fetch (for Git, JGit's timeout). Default: ${DEFAULT-VALUE}. Env: HELMOP_SOURCE_READ_TIMEOUT.")
  String readTimeout;

  @CommandLine.Option(names = "--source-timeout", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_SOURCE_TIMEOUT:-5m}",
      description = "Longest download of one index, tag list, manifest or chart archive, however steadily it "
          + "arrives. Default: ${DEFAULT-VALUE}. Env: HELMOP_SOURCE_TIMEOUT.")
  String totalTimeout;

  @CommandLine.Option(names = "--source-fetch-wait", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_SOURCE_FETCH_WAIT:-5s}",
      description = "How long a reconcile waits for a chart fetch before it frees its thread for other releases "
          + "and looks again later (the fetch goes on meanwhile). Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_SOURCE_FETCH_WAIT.")
  String fetchWait;

  @CommandLine.Option(names = "--source-max-index-size", paramLabel = "SIZE",
      defaultValue = "${env:HELMOP_SOURCE_MAX_INDEX_SIZE:-100Mi}",
      description = "Largest index.yaml of a Helm repository (and OCI tag list or manifest) helmop reads; public "
          + "repositories have indexes of tens of MiB. Default: ${DEFAULT-VALUE}. Env: HELMOP_SOURCE_MAX_INDEX_SIZE.")
  String maxIndexSize;

  @CommandLine.Option(names = "--source-max-archive-size", paramLabel = "SIZE",
      defaultValue = "${env:HELMOP_SOURCE_MAX_ARCHIVE_SIZE:-50Mi}",
      description = "Largest chart archive (.tgz) helmop downloads. Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_SOURCE_MAX_ARCHIVE_SIZE.")
  String maxArchiveSize;

  @CommandLine.Option(names = "--source-max-unpacked-size", paramLabel = "SIZE",
      defaultValue = "${env:HELMOP_SOURCE_MAX_UNPACKED_SIZE:-100Mi}",
      description = "Largest chart, its files uncompressed and added up (a chart archive read for "
          + "spec.valuesFiles, a chart folder in Git). Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_SOURCE_MAX_UNPACKED_SIZE.")
  String maxUnpackedSize;

  @CommandLine.Option(names = "--source-max-files", paramLabel = "N",
      defaultValue = "${env:HELMOP_SOURCE_MAX_FILES:-10000}",
      description = "Most files a chart may hold. Default: ${DEFAULT-VALUE}. Env: HELMOP_SOURCE_MAX_FILES.")
  int maxFiles;

  @CommandLine.Option(names = "--source-fetches", paramLabel = "N",
      defaultValue = "${env:HELMOP_SOURCE_FETCHES:-16}",
      description = "How many chart fetches run at the same time, apart from the reconcile threads; one per "
          + "source however many releases wait for it. Default: ${DEFAULT-VALUE}. Env: HELMOP_SOURCE_FETCHES.")
  int fetches;

  public SourceLimits limits() {
    if (maxFiles < 1) {
      throw refuse("--source-max-files " + maxFiles + " must be at least 1");
    }
    return new SourceLimits(positive("--source-connect-timeout", connectTimeout),
        positive("--source-read-timeout", readTimeout), positive("--source-timeout", totalTimeout),
        size("--source-max-index-size", maxIndexSize), size("--source-max-archive-size", maxArchiveSize),
        size("--source-max-unpacked-size", maxUnpackedSize), maxFiles, positive("--source-fetch-wait", fetchWait));
  }

  public int fetches() {
    if (fetches < 1) {
      throw refuse("--source-fetches " + fetches + " must be at least 1");
    }
    return fetches;
  }

  private static Duration positive(String flag, String value) {
    Duration duration;
    try {
      duration = Durations.parseGo(value == null ? null : value.strip());
    } catch (IllegalArgumentException e) {
      throw refuse(flag + " \"" + value + "\" is not a duration (examples: 30s, 5m)");
    }
    if (duration.isZero()) {
      throw refuse(flag + " must be longer than 0s");
    }
    return duration;
  }

  private static long size(String flag, String value) {
    try {
      long bytes = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
          new io.fabric8.kubernetes.api.model.Quantity(value.strip())).longValueExact();
      if (bytes <= 0) {
        throw new IllegalArgumentException("not positive");
      }
      return bytes;
    } catch (RuntimeException e) {
      throw refuse(flag + " \"" + value + "\" is not a size (examples: 50Mi, 1Gi)");
    }
  }

  private static CommandLine.ParameterException refuse(String message) {
    return new CommandLine.ParameterException(new CommandLine(new SourceOptions()), message);
  }
}
