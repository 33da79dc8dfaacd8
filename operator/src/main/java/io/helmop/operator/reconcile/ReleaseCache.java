package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.dependency.Dependencies;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Optional;

/**
 * What a reconcile needs from the operator's HelmRelease cache and API: JOSDK's informer cache in the operator
 * ({@link JosdkReleaseCache}), an in-memory map in unit tests.
 */
public interface ReleaseCache {
  /** The newest version of a HelmRelease the cache has seen (empty once it is gone). */
  Optional<HelmRelease> get(ResourceID id);

  /** The dependsOn graph over the cached HelmReleases. */
  Dependencies dependencies();

  /** Writes the status, and returns the resource as the API server has it afterwards. */
  HelmRelease writeStatus(HelmRelease release, HelmReleaseStatus status);

  /** Removes an annotation a user acts through, once helmop has acted on it. */
  void removeAnnotation(HelmRelease release, String annotation);
}
