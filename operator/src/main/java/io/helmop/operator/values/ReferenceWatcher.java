package io.helmop.operator.values;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.ValuesReference;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Wakes a HelmRelease when a ConfigMap or Secret it references (spec.valuesFrom, spec.chart.secretRef) is
 * created, changed or deleted, so an edit reaches the release within seconds, with no label on the user's
 * objects.
 *
 * <p>Each referenced object gets an informer of its own, selected by name: helmop never watches (or caches)
 * all Secrets of a namespace or the cluster. Informers go away when no release references their object.
 */
public class ReferenceWatcher implements AutoCloseable {
  private final KubernetesClient client;
  private final SimpleInboundEventSource<HelmRelease> events = new SimpleInboundEventSource<>("referenced-objects");
  private final Map<Source, SharedIndexInformer<? extends HasMetadata>> informers = new HashMap<>();
  private final Map<Source, Set<ResourceID>> referrers = new HashMap<>();
  private final Map<ResourceID, Set<Source>> followed = new HashMap<>();

  public ReferenceWatcher(KubernetesClient client) {
    this.client = client;
  }

  /** The event source to register with the controller. */
  public SimpleInboundEventSource<HelmRelease> eventSource() {
    return events;
  }

  /** Watches exactly what this release references now, and stops watching what it no longer does. */
  public synchronized void follow(HelmRelease release) {
    ResourceID id = ResourceID.fromResource(release);
    Set<Source> wanted = new HashSet<>();
    if (release.getSpec().getValuesFrom() != null) {
      for (ValuesReference ref : release.getSpec().getValuesFrom()) {
        if (ref != null && ref.getName() != null && !ref.getName().isBlank()) {
          wanted.add(new Source(ref.getKind(), release.getMetadata().getNamespace(), ref.getName()));
        }
      }
    }
    var secretRef = release.getSpec().getChart() == null ? null : release.getSpec().getChart().getSecretRef();
    if (secretRef != null && secretRef.getName() != null && !secretRef.getName().isBlank()) {
      wanted.add(new Source("Secret", release.getMetadata().getNamespace(), secretRef.getName()));
    }
    Set<Source> before = followed.getOrDefault(id, Set.of());
    before.stream().filter(s -> !wanted.contains(s)).forEach(s -> release(s, id));
    // one that cannot be watched yet (its ServiceAccount may not) is tried again at the next reconcile
    wanted.removeIf(s -> !before.contains(s) && !watch(s, id));
    if (wanted.isEmpty()) {
      followed.remove(id);
    } else {
      followed.put(id, wanted);
    }
  }

  public synchronized void forget(HelmRelease release) {
    ResourceID id = ResourceID.fromResource(release);
    followed.getOrDefault(id, Set.of()).forEach(s -> release(s, id));
    followed.remove(id);
  }

  /**
   * With a client that impersonates, the informer watches with the rights of the release that first referenced
   * the object (the operator then needs no Secret rights of its own); reading the values is always done with
   * the reading release's own rights. Returns false when the object cannot be watched.
   */
  private boolean watch(Source source, ResourceID release) {
    try {
      watchWith(source);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      org.slf4j.LoggerFactory.getLogger(ReferenceWatcher.class).warn("Cannot watch {} {}/{} ({}): an edit of it "
          + "reaches the release at its interval only", source.kind(), source.namespace(), source.name(),
          e.getMessage());
      return false;
    }
    referrers.computeIfAbsent(source, s -> new HashSet<>()).add(release);
    return true;
  }

  private void watchWith(Source source) {
    informers.computeIfAbsent(source, s -> {
      var handler = new ResourceEventHandler<HasMetadata>() {
        @Override public void onAdd(HasMetadata obj) { wake(s); }
        @Override public void onUpdate(HasMetadata oldObj, HasMetadata newObj) { wake(s); }
        @Override public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) { wake(s); }
      };
      return "Secret".equals(s.kind())
          ? client.secrets().inNamespace(s.namespace()).withName(s.name()).inform(adapt(handler))
          : client.configMaps().inNamespace(s.namespace()).withName(s.name()).inform(adapt(handler));
    });
  }

  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> ResourceEventHandler<T> adapt(ResourceEventHandler<HasMetadata> handler) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
  }

  private synchronized void wake(Source source) {
    referrers.getOrDefault(source, Set.of()).forEach(events::propagateEvent);
  }

  private void release(Source source, ResourceID release) {
    Set<ResourceID> ids = referrers.get(source);
    if (ids == null) {
      return;
    }
    ids.remove(release);
    if (ids.isEmpty()) {
      referrers.remove(source);
      SharedIndexInformer<?> informer = informers.remove(source);
      if (informer != null) {
        informer.close();
      }
    }
  }

  @Override
  public synchronized void close() {
    informers.values().forEach(SharedIndexInformer::close);
    informers.clear();
  }

  private record Source(String kind, String namespace, String name) {}
}
