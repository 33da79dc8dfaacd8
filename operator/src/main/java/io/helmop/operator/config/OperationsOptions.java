package io.helmop.operator.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Flags for running helmop in production: health and metrics endpoints, leader election, logs. Each falls back
 * to an environment variable, then a default (docs/operations.md lists them).
 */
public class OperationsOptions {
  /** The label that assigns a HelmRelease to the instance started with --shard=<its value>. */
  public static final String SHARD_LABEL = "helmop.io/shard";

  @CommandLine.Option(names = "--health-address", paramLabel = "HOST:PORT",
      defaultValue = "${env:HELMOP_HEALTH_ADDRESS:-127.0.0.1:8081}",
      description = "Where /healthz and /readyz are served; \":8081\" listens on every interface (in a pod), "
          + "\"off\" serves nothing. Default: ${DEFAULT-VALUE}. Env: HELMOP_HEALTH_ADDRESS.")
  String healthAddress;

  @CommandLine.Option(names = "--metrics-address", paramLabel = "HOST:PORT",
      defaultValue = "${env:HELMOP_METRICS_ADDRESS:-127.0.0.1:8080}",
      description = "Where /metrics (Prometheus text format) is served; the same address as --health-address "
          + "serves all three on one port. Default: ${DEFAULT-VALUE}. Env: HELMOP_METRICS_ADDRESS.")
  String metricsAddress;

  @CommandLine.Option(names = "--leader-election", paramLabel = "true|false", arity = "1",
      defaultValue = "${env:HELMOP_LEADER_ELECTION:-true}",
      description = "Act only while holding the Lease --lease-name, so that replicas stand by instead of acting "
          + "together (two acting helmop processes corrupt Helm's history). false only for a single replica. "
          + "Default: ${DEFAULT-VALUE}. Env: HELMOP_LEADER_ELECTION.")
  String leaderElection;

  @CommandLine.Option(names = "--lease-name", paramLabel = "NAME",
      defaultValue = "${env:HELMOP_LEASE_NAME:-helmop-leader}",
      description = "The coordination.k8s.io Lease of leader election. Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_LEASE_NAME.")
  String leaseName;

  @CommandLine.Option(names = "--lease-namespace", paramLabel = "NS",
      defaultValue = "${env:HELMOP_LEASE_NAMESPACE}",
      description = "The namespace of the Lease. Default: the namespace the operator runs in (its service "
          + "account's), else the kubeconfig context's, else \"default\". Env: HELMOP_LEASE_NAMESPACE.")
  String leaseNamespace;

  @CommandLine.Option(names = "--lease-duration", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_LEASE_DURATION:-15s}",
      description = "How long standby replicas wait after the leader's last renewal before taking over. "
          + "Default: ${DEFAULT-VALUE}. Env: HELMOP_LEASE_DURATION.")
  String leaseDuration;

  @CommandLine.Option(names = "--lease-renew-deadline", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_LEASE_RENEW_DEADLINE:-10s}",
      description = "A leader that could not renew its Lease for this long stops (and exits) before another "
          + "can take over. Shorter than --lease-duration. Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_LEASE_RENEW_DEADLINE.")
  String leaseRenewDeadline;

  @CommandLine.Option(names = "--lease-retry-period", paramLabel = "DURATION",
      defaultValue = "${env:HELMOP_LEASE_RETRY_PERIOD:-2s}",
      description = "How often the Lease is renewed, or tried by a standby replica. Shorter than "
          + "--lease-renew-deadline. Default: ${DEFAULT-VALUE}. Env: HELMOP_LEASE_RETRY_PERIOD.")
  String leaseRetryPeriod;

  @CommandLine.Option(names = "--shard", paramLabel = "NAME",
      defaultValue = "${env:HELMOP_SHARD}",
      description = "Reconcile only the HelmReleases labelled helmop.io/shard=NAME (and hold the Lease "
          + "<--lease-name>-NAME). Without it: only HelmReleases without that label. Default: none. Env: HELMOP_SHARD.")
  String shard;

  @CommandLine.Option(names = "--log-format", paramLabel = "text|json",
      defaultValue = "${env:HELMOP_LOG_FORMAT:-text}",
      description = "text: one line a message; json: one JSON object a line, with the HelmRelease's namespace and "
          + "name (mdc.resource.namespace, mdc.resource.name) on every line of its reconcile. "
          + "Default: ${DEFAULT-VALUE}. Env: HELMOP_LOG_FORMAT.")
  String logFormat;

  @CommandLine.Option(names = "--log-level", paramLabel = "LEVEL",
      defaultValue = "${env:HELMOP_LOG_LEVEL:-INFO}",
      description = "helmop's own log level: ERROR, WARN, INFO, DEBUG or TRACE. Default: ${DEFAULT-VALUE}. "
          + "Env: HELMOP_LOG_LEVEL.")
  String logLevel;

  public ListenAddress health() {
    return address("--health-address", healthAddress);
  }

  public ListenAddress metrics() {
    return address("--metrics-address", metricsAddress);
  }

  public LeaseSettings lease() {
    boolean enabled = switch (leaderElection.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw refuse("--leader-election \"" + leaderElection + "\" is neither true nor false");
    };
    if (leaseName == null || !leaseName.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
      throw refuse("--lease-name \"" + leaseName + "\" is not a Kubernetes object name (lower case letters, "
          + "digits, '-' and '.')");
    }
    Duration duration = duration("--lease-duration", leaseDuration);
    Duration renew = duration("--lease-renew-deadline", leaseRenewDeadline);
    Duration retry = duration("--lease-retry-period", leaseRetryPeriod);
    if (renew.compareTo(duration) >= 0 || retry.compareTo(renew) >= 0 || retry.isZero()) {
      throw refuse("leader election needs --lease-retry-period (" + leaseRetryPeriod + ") < --lease-renew-deadline ("
          + leaseRenewDeadline + ") < --lease-duration (" + leaseDuration + "): a leader must give up before "
          + "another may take over");
    }
    Optional<String> namespace = Optional.ofNullable(leaseNamespace).map(String::strip).filter(s -> !s.isEmpty());
    // each shard elects its own leader: one Lease for all would let only one shard act at a time
    String name = shard().map(shard -> leaseName + "-" + shard).orElse(leaseName);
    return new LeaseSettings(enabled, name, namespace, duration, renew, retry);
  }

  /** The shard this instance reconciles (--shard), if any. */
  public Optional<String> shard() {
    Optional<String> name = Optional.ofNullable(shard).map(String::strip).filter(s -> !s.isEmpty());
    name.filter(s -> !s.matches("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?") || s.length() > 63)
        .ifPresent(s -> {
          throw refuse("--shard \"" + s + "\" is not a label value (at most 63 letters, digits, '-', '_' or '.', "
              + "beginning and ending with a letter or digit)");
        });
    return name;
  }

  /**
   * The HelmReleases this instance reconciles: those of its shard, or (without --shard) those of no shard, so
   * that every HelmRelease has exactly one instance.
   */
  public String shardSelector() {
    return shard().map(shard -> SHARD_LABEL + "=" + shard).orElse("!" + SHARD_LABEL);
  }

  public LogSettings log() {
    LogSettings.Format format = switch (logFormat.strip().toLowerCase(Locale.ROOT)) {
      case "text" -> LogSettings.Format.TEXT;
      case "json" -> LogSettings.Format.JSON;
      default -> throw refuse("--log-format \"" + logFormat + "\" is neither text nor json");
    };
    String level = logLevel.strip().toUpperCase(Locale.ROOT);
    if (!java.util.Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(level)) {
      throw refuse("--log-level \"" + logLevel + "\" is not one of ERROR, WARN, INFO, DEBUG, TRACE");
    }
    return new LogSettings(format, level);
  }

  private static ListenAddress address(String flag, String value) {
    try {
      return ListenAddress.parse(flag, value);
    } catch (IllegalArgumentException e) {
      throw refuse(e.getMessage());
    }
  }

  private static Duration duration(String flag, String value) {
    try {
      return Durations.parseGo(value);
    } catch (IllegalArgumentException e) {
      throw refuse(flag + " \"" + value + "\" is not a duration (examples: 15s, 1m)");
    }
  }

  private static CommandLine.ParameterException refuse(String message) {
    return new CommandLine.ParameterException(new CommandLine(new OperationsOptions()), message);
  }
}
