package io.helmop.operator.drift;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the API server serves (discovery), cached for a minute: the plural name and scope of a kind, which the
 * generic client needs to reach an object of any kind a chart may hold. A group version the server does not serve
 * is not remembered: it appears as soon as a chart's CRD is established, and the objects of that kind must not go
 * unchecked (or undry-run) for a minute. Such misses are rare, so asking again costs little.
 */
public class KindCatalog {
  private static final Duration FRESH_FOR = Duration.ofMinutes(1);

  private final KubernetesClient client;
  private final Clock clock;
  private final Map<String, Cached<List<APIResource>>> resources = new ConcurrentHashMap<>();
  private volatile Cached<List<APIGroup>> groups;

  public KindCatalog(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** The resource of {@code kind} in {@code apiVersion}, or empty when the server does not serve it. */
  public Optional<ResourceDefinitionContext> resolve(String apiVersion, String kind) {
    return resourcesOf(apiVersion).stream()
        .filter(r -> kind.equals(r.getKind()) && !r.getName().contains("/")) // not a subresource
        .findFirst()
        .map(r -> {
          int slash = apiVersion.indexOf('/');
          return new ResourceDefinitionContext.Builder()
              .withGroup(slash < 0 ? "" : apiVersion.substring(0, slash))
              .withVersion(slash < 0 ? apiVersion : apiVersion.substring(slash + 1))
              .withKind(kind)
              .withPlural(r.getName())
              .withNamespaced(Boolean.TRUE.equals(r.getNamespaced()))
              .build();
        });
  }

  /** Whether some version of {@code group} (null: any group, "": the core group) serves {@code kind}. */
  public boolean isServed(String group, String kind) {
    if ("".equals(group)) {
      return servedInCore(kind);
    }
    if (group == null && servedInCore(kind)) {
      return true;
    }
    return groups().stream()
        .filter(g -> group == null || group.equals(g.getName()))
        .flatMap(g -> g.getVersions().stream())
        .map(GroupVersionForDiscovery::getGroupVersion)
        .anyMatch(gv -> resourcesOf(gv).stream().anyMatch(r -> kind.equals(r.getKind())));
  }

  private boolean servedInCore(String kind) {
    return resourcesOf("v1").stream().anyMatch(r -> kind.equals(r.getKind()));
  }

  private List<APIGroup> groups() {
    Cached<List<APIGroup>> cached = groups;
    if (cached == null || cached.isStale(clock)) {
      cached = new Cached<>(client.getApiGroups().getGroups(), clock.instant());
      groups = cached;
    }
    return cached.value();
  }

  private List<APIResource> resourcesOf(String groupVersion) {
    return resources.compute(groupVersion, (gv, cached) -> {
      if (cached != null && !cached.isStale(clock)) {
        return cached;
      }
      APIResourceList list = client.getApiResources(gv);
      return new Cached<>(list == null ? List.of() : list.getResources(), clock.instant());
    }).value();
  }

  private record Cached<T>(T value, Instant at) {
    boolean isStale(Clock clock) {
      boolean absent = value instanceof List<?> list && list.isEmpty();
      return absent || at.plus(FRESH_FOR).isBefore(clock.instant());
    }
  }
}
