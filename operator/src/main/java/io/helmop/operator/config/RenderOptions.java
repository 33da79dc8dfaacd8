package io.helmop.operator.config;

import io.fabric8.kubernetes.api.model.Quantity;
import io.helmop.operator.release.HelmWorkerPool;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Bounds of chart renders and lints, which run in warm Helm worker processes (docs/operations.md has the
 * figures behind the defaults).
 */
public class RenderOptions {
  /** Calls a worker serves before a fresh one replaces it (Helm leaks about 5 KB of native memory a call). */
  static final int CALLS_PER_WORKER = 500;
  /** What helmop reads back of one render: Helm could not keep a bigger release in its 1 MiB record anyway. */
  static final long OUTPUT_BYTES = 16L << 20;

  @CommandLine.Option(names = "--render-workers", paramLabel = "N",
      defaultValue = "${env:HELMOP_RENDER_WORKERS:-2}",
      description = "Warm Helm worker processes for chart renders and lints; more renders at once wait for a "
          + "free one. Default: ${DEFAULT-VALUE}. Env: HELMOP_RENDER_WORKERS.")
  int workers;

  @CommandLine.Option(names = "--render-memory-limit", paramLabel = "QUANTITY",
      defaultValue = "${env:HELMOP_RENDER_MEMORY_LIMIT:-512Mi}",
      description = "Resident memory a Helm render worker may use (its JVM and Helm's own memory); a render "
          + "over it is stopped and its HelmRelease stalls (RenderLimitExceeded). Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_RENDER_MEMORY_LIMIT.")
  String memoryLimit;

  @CommandLine.Option(names = "--render-timeout", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_RENDER_TIMEOUT:-30s}",
      description = "How long one render or lint may take; a render over it is stopped and its HelmRelease "
          + "stalls (RenderLimitExceeded). Default: ${DEFAULT-VALUE}. Env: HELMOP_RENDER_TIMEOUT.")
  String timeout;

  public HelmWorkerPool.Limits limits() {
    if (workers < 1) {
      throw refuse("--render-workers " + workers + " must be at least 1");
    }
    long bytes;
    try {
      bytes = Quantity.getAmountInBytes(new Quantity(memoryLimit)).longValueExact();
    } catch (RuntimeException e) {
      throw refuse("--render-memory-limit \"" + memoryLimit + "\" is not a quantity such as 512Mi or 1Gi");
    }
    if (bytes < (256L << 20)) {
      throw refuse("--render-memory-limit " + memoryLimit + " is below 256Mi, less than a Helm worker needs idle");
    }
    Duration time;
    try {
      time = Durations.parseGo(timeout);
    } catch (IllegalArgumentException e) {
      throw refuse("--render-timeout \"" + timeout + "\" is not a duration such as 30s or 2m");
    }
    if (time.isZero()) {
      throw refuse("--render-timeout must be longer than 0s");
    }
    return new HelmWorkerPool.Limits(workers, bytes, time, CALLS_PER_WORKER, OUTPUT_BYTES);
  }

  private static CommandLine.ParameterException refuse(String message) {
    return new CommandLine.ParameterException(new CommandLine(new RenderOptions()), message);
  }
}
