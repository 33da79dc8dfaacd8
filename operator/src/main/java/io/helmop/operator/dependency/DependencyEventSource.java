package io.helmop.operator.dependency;

import io.helmop.api.v1alpha1.HelmRelease;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.stream.Collectors;

/**
 * Wakes HelmReleases when a release they depend on changes (say, turns Ready), and wakes a foundation being
 * deleted when one of its dependents goes away: ordering is event-driven, with no polling.
 */
public final class DependencyEventSource {
  public static final String NAME = "dependencies";

  private DependencyEventSource() {}

  public static InformerEventSource<HelmRelease, HelmRelease> create(EventSourceContext<HelmRelease> context) {
    context.getPrimaryCache().addIndexer(Dependencies.DEPENDENTS_INDEX, Dependencies::dependencyKeys);
    Dependencies dependencies = Dependencies.of(context.getPrimaryCache());
    var configuration = InformerEventSourceConfiguration.from(HelmRelease.class, HelmRelease.class)
        .withName(NAME)
        .withNamespacesInheritedFromController()
        .withSecondaryToPrimaryMapper(changed -> dependencies.affectedBy(changed).stream()
            .map(Dependencies::resourceId)
            .collect(Collectors.toSet()))
        .build();
    return new InformerEventSource<>(configuration, context);
  }
}
