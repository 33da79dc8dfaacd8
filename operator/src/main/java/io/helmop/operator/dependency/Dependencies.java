package io.helmop.operator.dependency;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.api.v1alpha1.DependencyReference;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Conditions;
import io.helmop.operator.status.Reasons;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The order spec.dependsOn puts HelmReleases in: whom a release waits for, cycles, and who must be uninstalled
 * first. Reads the operator's informer cache, so a check costs no API call.
 */
public class Dependencies {
  /** Index of the HelmRelease cache: dependency key ("namespace/name") to the releases that depend on it. */
  public static final String DEPENDENTS_INDEX = "helmop.io/dependents";
  /** On a HelmRelease being deleted: uninstall it even though other releases still depend on it. */
  public static final String IGNORE_DEPENDENTS = "helmop.io/ignore-dependents";

  private final Function<String, Optional<HelmRelease>> lookup;
  private final Function<String, List<HelmRelease>> dependentsOf;

  public Dependencies(Function<String, Optional<HelmRelease>> lookup,
      Function<String, List<HelmRelease>> dependentsOf) {
    this.lookup = lookup;
    this.dependentsOf = dependentsOf;
  }

  public static Dependencies of(IndexedResourceCache<HelmRelease> cache) {
    return new Dependencies(key -> cache.get(resourceId(key)), key -> cache.byIndex(DEPENDENTS_INDEX, key));
  }

  /** The HelmRelease a key ("namespace/name") names. */
  public static ResourceID resourceId(String key) {
    String[] parts = key.split("/", 2);
    return new ResourceID(parts[1], parts[0]);
  }

  public static String key(HelmRelease release) {
    return release.getMetadata().getNamespace() + "/" + release.getMetadata().getName();
  }

  /** The keys of the releases this one depends on (the index function). */
  public static List<String> dependencyKeys(HelmRelease release) {
    List<DependencyReference> refs = release.getSpec() == null ? null : release.getSpec().getDependsOn();
    if (refs == null) {
      return List.of();
    }
    return refs.stream()
        .filter(ref -> ref.getName() != null && !ref.getName().isBlank())
        .map(ref -> namespaceOf(release, ref) + "/" + ref.getName())
        .distinct()
        .toList();
  }

  private static String namespaceOf(HelmRelease release, DependencyReference ref) {
    return ref.getNamespace() == null || ref.getNamespace().isBlank()
        ? release.getMetadata().getNamespace() : ref.getNamespace();
  }

  /** An empty name, the release itself, or the same dependency twice: the spec is wrong. */
  public void validate(HelmRelease release) throws ReconcileFailure {
    List<DependencyReference> refs = release.getSpec().getDependsOn();
    if (refs == null) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < refs.size(); i++) {
      DependencyReference ref = refs.get(i);
      String field = "spec.dependsOn[" + i + "]";
      if (ref == null || ref.getName() == null || ref.getName().isBlank()) {
        throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + " has an empty name: name the HelmRelease this "
            + "release depends on, or remove the entry.");
      }
      String key = namespaceOf(release, ref) + "/" + ref.getName();
      if (key.equals(key(release))) {
        throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + " (" + key + ") names this HelmRelease itself: "
            + "a release cannot wait for itself; remove the entry.");
      }
      if (!seen.add(key)) {
        throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + " (" + key + ") is listed twice in "
            + "spec.dependsOn: remove the duplicate.");
      }
    }
  }

  /** Fails when following spec.dependsOn from this release leads back to it; the message spells out the cycle. */
  public void checkNoCycle(HelmRelease release) throws ReconcileFailure {
    List<String> cycle = cycleOf(release);
    if (!cycle.isEmpty()) {
      throw ReconcileFailure.stalled(Reasons.DEPENDENCY_CYCLE, "spec.dependsOn forms a cycle: "
          + String.join(" -> ", cycle) + ". None of these releases can be installed: remove one of the "
          + "dependencies.");
    }
  }

  /** Members of a cycle were never installed, so none waits for the others when they are deleted. */
  public boolean isInCycle(HelmRelease release) {
    return !cycleOf(release).isEmpty();
  }

  /** The cycle through this release, as keys from it back to it; empty when there is none. */
  private List<String> cycleOf(HelmRelease release) {
    String start = key(release);
    return cycleThrough(start, start, new ArrayList<>(List.of(start)), new HashSet<>());
  }

  private List<String> cycleThrough(String start, String current, List<String> path, Set<String> visited) {
    Optional<HelmRelease> release = lookup.apply(current);
    if (release.isEmpty() || !visited.add(current)) {
      return List.of();
    }
    for (String next : dependencyKeys(release.get())) {
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        return cycle;
      }
      path.add(next);
      List<String> found = cycleThrough(start, next, path, visited);
      if (!found.isEmpty()) {
        return found;
      }
      path.remove(path.size() - 1);
    }
    return List.of();
  }

  /** Waits (without backoff: a dependency's change wakes this release) until every dependency is Ready. */
  public void awaitReady(HelmRelease release) throws ReconcileFailure {
    List<String> missing = new ArrayList<>();
    List<String> notReady = new ArrayList<>();
    for (String key : dependencyKeys(release)) {
      Optional<HelmRelease> dependency = lookup.apply(key);
      if (dependency.isEmpty()) {
        missing.add(key);
      } else {
        notReadyBecause(dependency.get()).ifPresent(why -> notReady.add(key + " (" + why + ")"));
      }
    }
    if (!missing.isEmpty()) {
      throw ReconcileFailure.waiting(Reasons.DEPENDENCY_NOT_FOUND, "Waiting for HelmRelease "
          + String.join(", ", missing) + " named in spec.dependsOn, which does not exist: create it (the release "
          + "starts as soon as it is Ready) or fix the name."
          + (notReady.isEmpty() ? "" : " Also not Ready: " + String.join(", ", notReady)));
    }
    if (!notReady.isEmpty()) {
      throw ReconcileFailure.waiting(Reasons.DEPENDENCY_NOT_READY, "Waiting for dependencies to be Ready: "
          + String.join(", ", notReady) + ". The release starts as soon as they are.");
    }
  }

  /** Ready means Ready=True for the dependency's current generation, and not being deleted. */
  static Optional<String> notReadyBecause(HelmRelease dependency) {
    if (dependency.getMetadata().getDeletionTimestamp() != null) {
      return Optional.of("it is being deleted");
    }
    if (Boolean.TRUE.equals(dependency.getSpec().getSuspend())) {
      return Optional.of("it is suspended");
    }
    Long generation = dependency.getMetadata().getGeneration();
    if (dependency.getStatus() == null) {
      return Optional.of("not reconciled yet");
    }
    Optional<Condition> ready = Conditions.find(dependency.getStatus().getConditions(), Conditions.READY);
    if (ready.isEmpty()) {
      return Optional.of("not reconciled yet");
    }
    if (!Objects.equals(generation, dependency.getStatus().getObservedGeneration())
        || !Objects.equals(generation, ready.get().getObservedGeneration())) {
      return Optional.of("generation " + generation + " not reconciled yet");
    }
    if (!Conditions.TRUE.equals(ready.get().getStatus())) {
      return Optional.of("Ready=" + ready.get().getStatus() + ": " + ready.get().getReason());
    }
    return Optional.empty();
  }

  /** The releases that depend on this one. */
  public List<HelmRelease> dependents(HelmRelease release) {
    return dependentsOf.apply(key(release));
  }

  /**
   * Whom a change of this release may unblock: its dependents (it may have become Ready) and, while it is being
   * deleted, its dependencies (they may be waiting for it to go before they uninstall).
   */
  public Set<String> affectedBy(HelmRelease changed) {
    Set<String> affected = new LinkedHashSet<>();
    dependents(changed).forEach(r -> affected.add(key(r)));
    if (changed.getMetadata().getDeletionTimestamp() != null) {
      affected.addAll(dependencyKeys(changed));
    }
    affected.remove(key(changed));
    return affected;
  }
}
