package io.helmop.operator.lifecycle;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.helmop.operator.config.LeaseSettings;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a coordination.k8s.io Lease (JOSDK's, on fabric8's LeaderElector): every replica starts its
 * informers, only the holder of the Lease reconciles. A leader that loses the Lease (it could not renew it within
 * the renew deadline, which is shorter than the lease duration) halts at once, its Helm processes with it, before
 * another replica may take over: two helmop processes never act together. On a graceful stop the leader hands the
 * Lease back, so a standby takes over within a retry period instead of a lease duration.
 */
public final class Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);
  private static final Path SERVICE_ACCOUNT_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  private final LeaseSettings settings;
  private final String namespace;
  private final String identity;
  private final Clock clock;
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicReference<String> leader = new AtomicReference<>();
  private volatile Runnable onLost = () -> {};

  /**
   * @param identity this process (host name and a random id: two processes on one host differ), the holder
   *     identity written on the Lease
   */
  public Leadership(LeaseSettings settings, String namespace, String identity, Clock clock) {
    this.settings = settings;
    this.namespace = namespace;
    this.identity = identity;
    this.clock = clock;
  }

  /** The Lease's namespace: the flag, else the pod's own namespace, else the kubeconfig context's, else default. */
  public static String namespace(LeaseSettings settings, KubernetesClient client) {
    if (settings.namespace().isPresent()) {
      return settings.namespace().get();
    }
    try {
      if (Files.isReadable(SERVICE_ACCOUNT_NAMESPACE)) {
        String own = Files.readString(SERVICE_ACCOUNT_NAMESPACE).strip();
        if (!own.isEmpty()) {
          return own;
        }
      }
    } catch (IOException e) {
      LOG.debug("Could not read {}: {}", SERVICE_ACCOUNT_NAMESPACE, e.getMessage());
    }
    String configured = client.getConfiguration().getNamespace();
    return configured == null || configured.isBlank() ? "default" : configured;
  }

  public boolean enabled() {
    return settings.enabled();
  }

  /** Whether this process acts: it holds the Lease, or leader election is off. */
  public boolean isLeader() {
    return !settings.enabled() || leading.get();
  }

  /** What /readyz and the log say about this replica. */
  public String describe() {
    if (!settings.enabled()) {
      return "leader election is off: this process acts alone";
    }
    if (leading.get()) {
      return "leader (Lease " + namespace + "/" + settings.name() + ")";
    }
    String holder = leader.get();
    return "standby: Lease " + namespace + "/" + settings.name() + " is held by "
        + (holder == null || holder.isEmpty() ? "nobody yet" : holder);
  }

  public String identity() {
    return identity;
  }

  /** Run when this process loses the Lease while it is not stopping (before it halts). */
  public void onLost(Runnable action) {
    this.onLost = action;
  }

  /** JOSDK's configuration: the operator exits on its own terms (see {@link #lost}), not with System.exit. */
  public LeaderElectionConfiguration josdkConfiguration() {
    return new LeaderElectionConfiguration(settings.name(), namespace, settings.duration(), settings.renewDeadline(),
        settings.retryPeriod(), identity, new LeaderCallbacks(this::started, this::lost, this::newLeader), false);
  }

  private void started() {
    leading.set(true);
    LOG.info("This process ({}) holds the Lease {}/{}: it reconciles HelmReleases now", identity, namespace,
        settings.name());
  }

  private void newLeader(String holder) {
    leader.set(holder);
    if (holder != null && !holder.isEmpty() && !holder.equals(identity) && !leading.get()) {
      LOG.info("Standing by: the Lease {}/{} is held by {}", namespace, settings.name(), holder);
    }
  }

  /**
   * Called by the leader elector when this process stops leading: when the operator stops (nothing to do), or when
   * it could not renew the Lease in time. Then another replica takes over as soon as the Lease expires, so this one
   * must stop acting first: a System.exit would wait for running reconciles and for shutdown hooks, a halt does not.
   */
  private void lost() {
    boolean wasLeading = leading.getAndSet(false);
    if (stopping.get() || !wasLeading) {
      return;
    }
    LOG.error("This process ({}) lost the Lease {}/{} (not renewed within {}, or taken over): it stops now, before "
        + "another replica takes over; Kubernetes restarts it as a standby", identity, namespace, settings.name(),
        settings.renewDeadline().toSeconds() + "s");
    try {
      onLost.run();
    } finally {
      Runtime.getRuntime().halt(1);
    }
  }

  /**
   * The operator is stopping: losing the Lease is expected from now on. Call before stopping the operator.
   */
  public void stopping() {
    stopping.set(true);
  }

  /**
   * Hands the Lease back (holder cleared, as client-go's ReleaseOnCancel does) when this process still holds it,
   * so a standby takes it at its next try. Call once this process has stopped acting.
   */
  public void release(KubernetesClient client) {
    if (!settings.enabled()) {
      return;
    }
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(settings.name()).get();
      if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setRenewTime(ZonedDateTime.now(clock));
      client.leases().inNamespace(namespace).resource(lease).update(); // resourceVersion: only if still ours
      LOG.info("Handed the Lease {}/{} back: a standby replica takes over", namespace, settings.name());
    } catch (KubernetesClientException e) {
      LOG.warn("Could not hand the Lease {}/{} back ({}): a standby takes over once it expires, within {}",
          namespace, settings.name(), e.getMessage(), settings.duration());
    }
  }

  /**
   * With leader election off: the holder of the Lease, when another helmop process holds it and renewed it within
   * its lease duration. Starting beside it would make two processes act on the same releases.
   */
  public Optional<String> liveHolderOtherThanThis(KubernetesClient client) {
    Lease lease = client.leases().inNamespace(namespace).withName(settings.name()).get();
    if (lease == null || lease.getSpec() == null) {
      return Optional.empty();
    }
    String holder = lease.getSpec().getHolderIdentity();
    ZonedDateTime renewed = lease.getSpec().getRenewTime();
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    if (holder == null || holder.isEmpty() || holder.equals(identity) || renewed == null) {
      return Optional.empty();
    }
    Instant expires = renewed.toInstant().plus(Duration.ofSeconds(seconds == null ? 15 : seconds));
    return expires.isAfter(clock.instant()) ? Optional.of(holder) : Optional.empty();
  }

  public String leaseDescription() {
    return namespace + "/" + settings.name();
  }
}
