package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.helmop.api.v1alpha1.HelmRelease;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes a HelmRelease when one of its objects is edited or deleted. One informer per kind, created the first
 * time a release holds that kind and shared by all releases, selects by the {@code helmop.io/release} label:
 * helmop caches only the objects it manages (never, say, all Secrets of the cluster).
 */
public class ManagedObjectWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ManagedObjectWatcher.class);

  private final KubernetesClient client;
  private final SimpleInboundEventSource<HelmRelease> events = new SimpleInboundEventSource<>("managed-objects");
  private final Map<String, SharedIndexInformer<GenericKubernetesResource>> informers = new ConcurrentHashMap<>();
  private final Map<String, ResourceID> releasesByLabel = new ConcurrentHashMap<>();

  public ManagedObjectWatcher(KubernetesClient client) {
    this.client = client;
  }

  public SimpleInboundEventSource<HelmRelease> eventSource() {
    return events;
  }

  /** Routes events of objects labelled {@code label} to {@code release}, and watches {@code kind}. */
  void watch(ResourceID release, String label, ResourceDefinitionContext kind) {
    releasesByLabel.put(label, release);
    informers.computeIfAbsent(key(kind), k -> {
      var all = client.genericKubernetesResources(kind);
      var selected = kind.isNamespaceScoped() ? all.inAnyNamespace().withLabel(ReleaseLabel.KEY)
          : all.withLabel(ReleaseLabel.KEY);
      try {
        SharedIndexInformer<GenericKubernetesResource> informer = selected.inform(new Handler(), 0);
        LOG.info("Watching {} objects labelled {}", k, ReleaseLabel.KEY);
        return informer;
      } catch (RuntimeException e) {
        // e.g. no cluster-wide list/watch permission: drift of this kind is then found at spec.interval only
        LOG.warn("Cannot watch {} objects ({}); their drift is checked at each release's interval only", k,
            e.getMessage());
        return null;
      }
    });
  }

  /**
   * The object as this kind's informer last saw it, without bookkeeping; empty when it is not cached (gone,
   * or a kind helmop cannot watch).
   */
  Optional<JsonNode> cached(ResourceDefinitionContext kind, ObjectRef ref) {
    SharedIndexInformer<GenericKubernetesResource> informer = informers.get(key(kind));
    if (informer == null) {
      return Optional.empty();
    }
    GenericKubernetesResource object = informer.getStore().getByKey(Cache.namespaceKeyFunc(ref.namespace(),
        ref.name()));
    return Optional.ofNullable(object).map(o -> Objects.withoutBookkeeping(client, o));
  }

  private static String key(ResourceDefinitionContext kind) {
    return kind.getGroup() + "/" + kind.getVersion() + "/" + kind.getKind();
  }

  void forget(String label) {
    releasesByLabel.remove(label);
  }

  @Override
  public void close() {
    informers.values().forEach(SharedIndexInformer::close);
    informers.clear();
  }

  private void wake(GenericKubernetesResource object) {
    var labels = object.getMetadata().getLabels();
    ResourceID release = labels == null ? null : releasesByLabel.get(labels.get(ReleaseLabel.KEY));
    if (release != null) {
      events.propagateEvent(release);
    }
  }

  private class Handler implements ResourceEventHandler<GenericKubernetesResource> {
    @Override
    public void onAdd(GenericKubernetesResource object) {
      // the informer's first listing, or helmop recreating an object: nothing was edited
    }

    @Override
    public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
      // controllers write status, and the server bumps resourceVersion and managedFields, many times a minute;
      // none of that can be drift, so those updates wake nobody
      if (!Objects.withoutBookkeeping(client, before).equals(Objects.withoutBookkeeping(client, after))) {
        wake(after);
      }
    }

    @Override
    public void onDelete(GenericKubernetesResource object, boolean finalStateUnknown) {
      wake(object);
    }
  }
}
