package io.helmop.e2e.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What happened to the Jobs, ReplicaSets and Deployments of a namespace, in the order the API server reported
 * it (one watch per kind; Helm's steps are causally ordered, each waits for the previous one's result).
 */
public final class Timeline implements AutoCloseable {
  /** One observation: a sequence number, what, and the object as it was. */
  public record Entry(long seq, String kind, String name, String uid, String action, HasMetadata object) {
    public boolean jobCompleted() {
      return object instanceof Job job && job.getStatus() != null && job.getStatus().getConditions() != null
          && job.getStatus().getConditions().stream()
              .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final List<Watch> watches = new ArrayList<>();
  private long seq;

  public Timeline(LocalCluster cluster, String namespace) {
    var client = cluster.client();
    watches.add(client.batch().v1().jobs().inNamespace(namespace).watch(watcher("Job")));
    watches.add(client.apps().replicaSets().inNamespace(namespace).watch(watcher("ReplicaSet")));
    watches.add(client.apps().deployments().inNamespace(namespace).watch(watcher("Deployment")));
  }

  private <T extends HasMetadata> Watcher<T> watcher(String kind) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        synchronized (entries) {
          entries.add(new Entry(seq++, kind, resource.getMetadata().getName(), resource.getMetadata().getUid(),
              action.name(), resource));
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  public List<Entry> entries() {
    synchronized (entries) {
      return List.copyOf(entries);
    }
  }

  /** The first observation after {@code after} (a sequence number) matching the predicate. */
  public Optional<Entry> first(long after, Predicate<Entry> matching) {
    return entries().stream().filter(e -> e.seq() > after && matching.test(e)).findFirst();
  }

  public Entry firstOrFail(long after, String what, Predicate<Entry> matching) {
    return first(after, matching).orElseThrow(() -> new AssertionError("never saw " + what + "; timeline:\n"
        + describe()));
  }

  public long last() {
    synchronized (entries) {
      return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).seq();
    }
  }

  public String describe() {
    List<String> lines = new ArrayList<>();
    for (Entry e : entries()) {
      lines.add(e.seq() + " " + e.action() + " " + e.kind() + "/" + e.name() + (e.jobCompleted() ? " (complete)" : "")
          + (e.object() instanceof Deployment d && d.getStatus() != null
              ? " available=" + d.getStatus().getAvailableReplicas() : "")
          + (e.object() instanceof ReplicaSet r && r.getSpec() != null ? " replicas=" + r.getSpec().getReplicas() : ""));
    }
    return String.join("\n", lines);
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
