package io.helmop.operator.status;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;

/**
 * Writes a status only when it differs from the one the resource has, with server-side apply, and puts the
 * result into JOSDK's cache so the next reconcile reads what was written (not a stale copy).
 */
public class StatusWriter {

  /** Returns the resource as it is after the write (the same object when nothing was written). */
  public HelmRelease write(HelmRelease release, HelmReleaseStatus status, Context<HelmRelease> context) {
    if (StatusFactory.same(release.getStatus(), status)) {
      return release;
    }
    HelmRelease patch = new HelmRelease();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(release.getMetadata().getName())
        .withNamespace(release.getMetadata().getNamespace())
        .build());
    patch.setSpec(null);
    patch.setStatus(status);
    HelmRelease updated = PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(release, patch, context);
    return updated != null ? updated : release;
  }
}
