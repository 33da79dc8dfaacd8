package io.helmop.operator.values;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.ValuesReference;
import io.helmop.operator.tenancy.ServiceAccount;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes a HelmRelease when a ConfigMap or Secret it references (spec.valuesFrom, spec.chart.secretRef) is
 * created, changed or deleted, so an edit reaches the release within seconds, with no label on the user's
 * objects.
 *
 * <p>One watch per kind, namespace and identity (the ServiceAccount the referring releases act as, or the
 * operator), opened when the first release of that identity references an object of that kind there and closed
 * when the last one stops: a fleet of releases in one namespace costs two watches, not one per object. The
 * watches are metadata-only (the API server sends PartialObjectMetadata) and keep only names and resource
 * versions, so no Secret data, Helm's release records included, ever reaches the operator through them; the
 * values are read by the reading release, with its own rights, when it reconciles.
 *
 * <p>An identity that may not list a kind in the namespace (a ServiceAccount allowed to read one named Secret)
 * gets a watch of that one object instead, as before this class watched namespaces.
 */
public class ReferenceWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceWatcher.class);

  private final KubernetesClient client;
  private final Function<HelmRelease, Optional<ServiceAccount>> identities;
  private final SimpleInboundEventSource<HelmRelease> events = new SimpleInboundEventSource<>("referenced-objects");
  private final Map<Scope, SharedIndexInformer<GenericKubernetesResource>> namespaceWatches = new HashMap<>();
  private final Set<Scope> namespaceForbidden = new HashSet<>();
  private final Map<Ref, SharedIndexInformer<GenericKubernetesResource>> objectWatches = new HashMap<>();
  private final Map<Ref, Set<ResourceID>> referrers = new HashMap<>();
  private final Map<ResourceID, Set<Ref>> followed = new HashMap<>();
  private KubernetesClient metadataClient;

  /** Every release watches with this client's rights (single-tenant, tests). */
  public ReferenceWatcher(KubernetesClient client) {
    this(client, release -> Optional.empty());
  }

  /**
   * @param client the operator's own client; watches for a release that acts as a ServiceAccount impersonate it
   * @param identities the ServiceAccount a release acts as, empty for the operator's own rights
   */
  public ReferenceWatcher(KubernetesClient client, Function<HelmRelease, Optional<ServiceAccount>> identities) {
    this.client = client;
    this.identities = identities;
  }

  /** The event source to register with the controller. */
  public SimpleInboundEventSource<HelmRelease> eventSource() {
    return events;
  }

  /** Watches exactly what this release references now, and stops watching what it no longer does. */
  public synchronized void follow(HelmRelease release) {
    ResourceID id = ResourceID.fromResource(release);
    String namespace = release.getMetadata().getNamespace();
    String identity = identities.apply(release).map(ServiceAccount::username).orElse("");
    Set<Ref> wanted = new HashSet<>();
    if (release.getSpec().getValuesFrom() != null) {
      for (ValuesReference ref : release.getSpec().getValuesFrom()) {
        if (ref != null && ref.getName() != null && !ref.getName().isBlank()) {
          String kind = "Secret".equals(ref.getKind()) ? "Secret" : "ConfigMap";
          wanted.add(new Ref(new Scope(kind, namespace, identity), ref.getName()));
        }
      }
    }
    var secretRef = release.getSpec().getChart() == null ? null : release.getSpec().getChart().getSecretRef();
    if (secretRef != null && secretRef.getName() != null && !secretRef.getName().isBlank()) {
      wanted.add(new Ref(new Scope("Secret", namespace, identity), secretRef.getName()));
    }
    Set<Ref> before = followed.getOrDefault(id, Set.of());
    before.stream().filter(r -> !wanted.contains(r)).forEach(r -> unfollow(r, id));
    // one that cannot be watched yet (its ServiceAccount may not) is tried again at the next reconcile
    wanted.removeIf(r -> !before.contains(r) && !watch(r, id));
    if (wanted.isEmpty()) {
      followed.remove(id);
    } else {
      followed.put(id, wanted);
    }
  }

  public synchronized void forget(HelmRelease release) {
    ResourceID id = ResourceID.fromResource(release);
    followed.getOrDefault(id, Set.of()).forEach(r -> unfollow(r, id));
    followed.remove(id);
  }

  /** Open watch connections: one per namespace-wide watch and one per single-object fallback. */
  public synchronized int watches() {
    return namespaceWatches.size() + objectWatches.size();
  }

  /** Returns false when the object cannot be watched. */
  private boolean watch(Ref ref, ResourceID release) {
    try {
      if (!covered(ref)) {
        objectWatches.computeIfAbsent(ref, r -> inform(r.scope(), r.name()));
      }
    } catch (KubernetesClientException e) {
      LOG.warn("Cannot watch {} {}/{} ({}): an edit of it reaches the release at its interval only", ref.scope().kind(),
          ref.scope().namespace(), ref.name(), e.getMessage());
      return false;
    }
    referrers.computeIfAbsent(ref, r -> new HashSet<>()).add(release);
    return true;
  }

  /** Whether the namespace-wide watch of the ref's scope sees it, opening that watch when it is the first. */
  private boolean covered(Ref ref) {
    Scope scope = ref.scope();
    if (namespaceWatches.containsKey(scope)) {
      return true;
    }
    if (namespaceForbidden.contains(scope)) {
      return false;
    }
    try {
      namespaceWatches.put(scope, inform(scope, null));
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) {
        throw e;
      }
      // logged once per scope: the mark stays until the last referrer of the scope goes
      namespaceForbidden.add(scope);
      LOG.info("{} may not list and watch {}s in namespace {}; watching each referenced {} there by name instead",
          scope.identity().isEmpty() ? "helmop" : scope.identity(), scope.kind(), scope.namespace(), scope.kind());
      return false;
    }
  }

  /** A running metadata-only informer of the scope, or of one object of it; throws when the first list fails. */
  private SharedIndexInformer<GenericKubernetesResource> inform(Scope scope, String name) {
    KubernetesClient acting = scope.identity().isEmpty() ? metadataClient()
        : metadataClient().newClient(new RequestConfigBuilder(metadataClient().getConfiguration().getRequestConfig())
            .withImpersonateUsername(scope.identity()).build()).adapt(KubernetesClient.class);
    var resources = acting.genericKubernetesResources("v1", scope.kind()).inNamespace(scope.namespace());
    var informer = (name == null ? resources : resources.withName(name)).runnableInformer(0);
    // names and resource versions only: the wake-up needs nothing else
    informer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE,
        GenericKubernetesResource.class, acting.getKubernetesSerialization()));
    informer.removeNamespaceIndex();
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override public void onAdd(GenericKubernetesResource obj) { wake(scope, obj); }
      @Override public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
        wake(scope, newObj);
      }
      @Override public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
        wake(scope, obj);
      }
    });
    try {
      informer.run();
    } catch (RuntimeException e) {
      informer.close();
      throw e;
    }
    return informer;
  }

  private synchronized void wake(Scope scope, HasMetadata object) {
    referrers.getOrDefault(new Ref(scope, object.getMetadata().getName()), Set.of()).forEach(events::propagateEvent);
  }

  private void unfollow(Ref ref, ResourceID release) {
    Set<ResourceID> ids = referrers.get(ref);
    if (ids == null) {
      return;
    }
    ids.remove(release);
    if (!ids.isEmpty()) {
      return;
    }
    referrers.remove(ref);
    Optional.ofNullable(objectWatches.remove(ref)).ifPresent(SharedIndexInformer::close);
    if (referrers.keySet().stream().noneMatch(r -> r.scope().equals(ref.scope()))) {
      Optional.ofNullable(namespaceWatches.remove(ref.scope())).ifPresent(SharedIndexInformer::close);
      namespaceForbidden.remove(ref.scope());
    }
  }

  /**
   * The operator's client with one difference: the API server answers with metadata only. Its Accept header
   * depends on the request, since the server refuses a list asked for as a single object and a watch asked for
   * as a list.
   */
  private KubernetesClient metadataClient() {
    if (metadataClient == null) {
      metadataClient = new KubernetesClientBuilder().withConfig(client.getConfiguration())
          .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("helmop-metadata-only",
              new MetadataOnly()))
          .build();
    }
    return metadataClient;
  }

  @Override
  public synchronized void close() {
    namespaceWatches.values().forEach(SharedIndexInformer::close);
    namespaceWatches.clear();
    objectWatches.values().forEach(SharedIndexInformer::close);
    objectWatches.clear();
    if (metadataClient != null) {
      metadataClient.close();
      metadataClient = null;
    }
  }

  private static final class MetadataOnly implements Interceptor {
    @Override
    public void before(BasicBuilder builder, HttpRequest request, Interceptor.RequestTags tags) {
      String query = request.uri().getRawQuery();
      boolean watch = query != null && (query.startsWith("watch=true") || query.contains("&watch=true"));
      builder.setHeader("Accept", "application/json;as=PartialObjectMetadata" + (watch ? "" : "List")
          + ";g=meta.k8s.io;v=v1");
    }
  }

  /** Who watches what: identity is the impersonated user name, empty for the operator itself. */
  private record Scope(String kind, String namespace, String identity) {}

  private record Ref(Scope scope, String name) {}
}
