package io.helmop.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.dependency.Dependencies;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The operator's HelmRelease cache for unit tests: a map, with every status write recorded. */
final class InMemoryReleaseCache implements ReleaseCache {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<ResourceID, HelmRelease> releases = new ConcurrentHashMap<>();
  /** Every status helmop wrote, in order. */
  final List<HelmReleaseStatus> writes = new CopyOnWriteArrayList<>();

  /** Puts (a copy of) a HelmRelease as the API server would hold it, and returns the copy. */
  HelmRelease put(HelmRelease release) {
    HelmRelease copy = copy(release);
    releases.put(ResourceID.fromResource(copy), copy);
    return copy;
  }

  /** The HelmRelease as the cache has it now (what the next reconcile gets). */
  HelmRelease latest(HelmRelease release) {
    return copy(releases.get(ResourceID.fromResource(release)));
  }

  @Override
  public Optional<HelmRelease> get(ResourceID id) {
    return Optional.ofNullable(releases.get(id));
  }

  @Override
  public Dependencies dependencies() {
    return new Dependencies(key -> get(Dependencies.resourceId(key)), key -> releases.values().stream().filter(r -> Dependencies.dependencyKeys(r).contains(key)).toList());
  }

  @Override
  public HelmRelease writeStatus(HelmRelease release, HelmReleaseStatus status) {
    writes.add(JSON.convertValue(status, HelmReleaseStatus.class));
    HelmRelease stored = releases.getOrDefault(ResourceID.fromResource(release), release);
    HelmRelease updated = copy(stored);
    updated.setStatus(JSON.convertValue(status, HelmReleaseStatus.class));
    releases.put(ResourceID.fromResource(updated), updated);
    return copy(updated);
  }

  @Override
  public void removeAnnotation(HelmRelease release, String annotation) {
    HelmRelease stored = releases.get(ResourceID.fromResource(release));
    Map<String, String> annotations = new HashMap<>(stored.getMetadata().getAnnotations());
    annotations.remove(annotation);
    stored.getMetadata().setAnnotations(annotations);
  }

  static HelmRelease copy(HelmRelease release) {
    return JSON.convertValue(release, HelmRelease.class);
  }
}
