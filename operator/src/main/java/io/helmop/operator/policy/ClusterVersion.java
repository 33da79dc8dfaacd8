package io.helmop.operator.policy;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's Kubernetes version (e.g. v1.33.2), for rendering as the cluster would: Helm's offline default is
 * v1.20, which a chart's kubeVersion constraint refuses. Read again every ten minutes (an upgraded control
 * plane); null while it cannot be read, and Helm's default then applies.
 */
public class ClusterVersion implements Supplier<String> {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterVersion.class);
  private static final Duration FRESH_FOR = Duration.ofMinutes(10);

  private final KubernetesClient client;
  private final Clock clock;
  private volatile String version;
  private volatile Instant readAt = Instant.MIN;

  public ClusterVersion(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public String get() {
    if (version == null || readAt.plus(FRESH_FOR).isBefore(clock.instant())) {
      try {
        version = client.getKubernetesVersion().getGitVersion();
        readAt = clock.instant();
      } catch (RuntimeException e) {
        LOG.warn("Could not read the cluster's Kubernetes version ({}); charts render as Helm's default version",
            e.getMessage());
      }
    }
    return version;
  }
}
