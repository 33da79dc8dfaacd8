package io.helmop.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.dependency.Dependencies;
import io.helmop.operator.dependency.DependencyEventSource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Optional;

/** The HelmRelease cache of a JOSDK reconcile: the informer's cache and its client. */
public final class JosdkReleaseCache implements ReleaseCache {
  private final Context<HelmRelease> context;

  public JosdkReleaseCache(Context<HelmRelease> context) {
    this.context = context;
  }

  @Override
  public Optional<HelmRelease> get(ResourceID id) {
    return context.getPrimaryCache().get(id);
  }

  /**
   * Dependencies are read from the informer whose events wake the dependents ({@link DependencyEventSource}), not
   * from the primary cache: the two informers see a change at different moments, and a dependent woken by a
   * dependency turning Ready must find it Ready (else it would wait for an event that has already come).
   */
  @Override
  public Dependencies dependencies() {
    @SuppressWarnings("unchecked")
    var dependencyInformer = (InformerEventSource<HelmRelease, HelmRelease>) context.eventSourceRetriever()
        .getEventSourceFor(HelmRelease.class, DependencyEventSource.NAME);
    return new Dependencies(key -> dependencyInformer.get(Dependencies.resourceId(key)),
        key -> context.getPrimaryCache().byIndex(Dependencies.DEPENDENTS_INDEX, key));
  }

  /**
   * Server-side apply of the status, put into JOSDK's cache at once so that the next reconcile reads what was
   * written rather than a stale copy.
   */
  @Override
  public HelmRelease writeStatus(HelmRelease release, HelmReleaseStatus status) {
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

  @Override
  public void removeAnnotation(HelmRelease release, String annotation) {
    context.getClient().resources(HelmRelease.class).inNamespace(release.getMetadata().getNamespace())
        .withName(release.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + annotation + "\":null}}}");
  }
}
