package io.helmop.operator.config;

import io.helmop.api.v1alpha1.PolicySpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;

/** The operator's settings, from flags or the environment variables named in --help. */
public record OperatorConfig(
    Set<String> namespaces,
    Path cacheDir,
    long cacheMaxBytes,
    int concurrency,
    int helmProcesses,
    Duration shutdownTimeout,
    Duration retryInitialInterval,
    Duration retryMaxInterval,
    Duration dependencySettle,
    PolicySpec.Mode policyMode,
    String instanceName) {

  /** Command-line flags; each falls back to an environment variable, then a default. */
  public static class Options {
    @CommandLine.Option(names = "--namespaces", split = ",", paramLabel = "NS",
        defaultValue = "${env:HELMOP_NAMESPACES}",
        description = "Watch HelmReleases only in these namespaces (comma separated). "
            + "Default: all namespaces. Env: HELMOP_NAMESPACES.")
    String[] namespaces;

    @CommandLine.Option(names = "--cache-dir", paramLabel = "DIR",
        defaultValue = "${env:HELMOP_CACHE_DIR:-${sys:java.io.tmpdir}/helmop}",
        description = "Where downloaded charts are cached. Default: ${DEFAULT-VALUE}. Env: HELMOP_CACHE_DIR.")
    Path cacheDir;

    @CommandLine.Option(names = "--cache-max-size", paramLabel = "SIZE",
        defaultValue = "${env:HELMOP_CACHE_MAX_SIZE:-1Gi}",
        description = "Most disk the chart cache may use (Kubernetes quantity: 512Mi, 2Gi); the least recently "
            + "used charts go first. Default: ${DEFAULT-VALUE}. Env: HELMOP_CACHE_MAX_SIZE.")
    String cacheMaxSize;

    @CommandLine.Option(names = "--concurrency", paramLabel = "N",
        defaultValue = "${env:HELMOP_CONCURRENCY:-10}",
        description = "How many releases are reconciled at the same time. Default: ${DEFAULT-VALUE}. "
            + "Env: HELMOP_CONCURRENCY.")
    int concurrency;

    @CommandLine.Option(names = "--helm-processes", paramLabel = "N",
        defaultValue = "${env:HELMOP_HELM_PROCESSES:-4}",
        description = "How many Helm installs and upgrades run at the same time, each in a warm Helm worker "
            + "process (about 160 MiB, retired after 30 s idle); more wait their turn. Default: ${DEFAULT-VALUE}. "
            + "Env: HELMOP_HELM_PROCESSES.")
    int helmProcesses;

    @CommandLine.Option(names = "--shutdown-timeout", paramLabel = "DURATION",
        defaultValue = "${env:HELMOP_SHUTDOWN_TIMEOUT:-5s}",
        description = "On SIGTERM, how long running reconciles may take to finish. Default: ${DEFAULT-VALUE}. "
            + "Env: HELMOP_SHUTDOWN_TIMEOUT.")
    String shutdownTimeout;

    @CommandLine.Option(names = "--retry-initial-interval", paramLabel = "DURATION",
        defaultValue = "${env:HELMOP_RETRY_INITIAL_INTERVAL:-5s}",
        description = "First wait after a failure; doubles at each failure. Default: ${DEFAULT-VALUE}. "
            + "Env: HELMOP_RETRY_INITIAL_INTERVAL.")
    String retryInitialInterval;

    @CommandLine.Option(names = "--retry-max-interval", paramLabel = "DURATION",
        defaultValue = "${env:HELMOP_RETRY_MAX_INTERVAL:-5m}",
        description = "Longest wait between retries. Default: ${DEFAULT-VALUE}. Env: HELMOP_RETRY_MAX_INTERVAL.")
    String retryMaxInterval;

    @CommandLine.Option(names = "--dependency-settle", paramLabel = "DURATION",
        defaultValue = "${env:HELMOP_DEPENDENCY_SETTLE:-2s}",
        description = "After a release with spec.dependsOn changes, wait this long before releasing it, so a "
            + "dependency changed by the same Git commit is seen changing too. 0s disables. "
            + "Default: ${DEFAULT-VALUE}. Env: HELMOP_DEPENDENCY_SETTLE.")
    String dependencySettle;

    @CommandLine.Option(names = "--policy-mode", paramLabel = "MODE",
        defaultValue = "${env:HELMOP_POLICY_MODE:-Warn}",
        description = "The policy mode of HelmReleases whose spec.policy.mode is empty: Enforce (a violation "
            + "of the production checklist blocks the release), Warn (reported in PolicyCompliant) or Disabled. "
            + "Default: ${DEFAULT-VALUE}. Env: HELMOP_POLICY_MODE.")
    String policyMode;

    public OperatorConfig toConfig() {
      Set<String> ns = namespaces == null ? Set.of()
          : Arrays.stream(namespaces).map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
      String host = System.getenv().getOrDefault("HOSTNAME", "helmop");
      long cacheMaxBytes;
      try {
        cacheMaxBytes = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
            new io.fabric8.kubernetes.api.model.Quantity(cacheMaxSize)).longValueExact();
        if (cacheMaxBytes < 0) {
          throw new IllegalArgumentException("negative");
        }
      } catch (RuntimeException e) {
        throw new CommandLine.ParameterException(new CommandLine(new Options()),
            "--cache-max-size \"" + cacheMaxSize + "\" is not a size (examples: 512Mi, 2Gi)");
      }
      if (helmProcesses < 1) {
        throw new CommandLine.ParameterException(new CommandLine(new Options()),
            "--helm-processes " + helmProcesses + " must be at least 1");
      }
      PolicySpec.Mode mode = java.util.Arrays.stream(PolicySpec.Mode.values())
          .filter(m -> m.name().equalsIgnoreCase(policyMode == null ? "" : policyMode.strip())).findFirst()
          .orElseThrow(() -> new CommandLine.ParameterException(new CommandLine(new Options()),
              "--policy-mode \"" + policyMode + "\" is not a mode (Enforce, Warn or Disabled)"));
      return new OperatorConfig(ns, cacheDir, cacheMaxBytes, concurrency, helmProcesses,
          duration("--shutdown-timeout", shutdownTimeout),
          duration("--retry-initial-interval", retryInitialInterval),
          duration("--retry-max-interval", retryMaxInterval),
          duration("--dependency-settle", dependencySettle), mode, host);
    }

    private static Duration duration(String flag, String value) {
      try {
        return Durations.parseGo(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(new Options()),
            flag + " \"" + value + "\" is not a duration (examples: 5s, 2m)");
      }
    }
  }
}
