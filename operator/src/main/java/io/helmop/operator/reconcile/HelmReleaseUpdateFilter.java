package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.dependency.Dependencies;
import io.helmop.operator.rollback.RollbackRequest;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Which updates of a HelmRelease wake its reconcile: a new generation (spec), deletion, finalizers, and the
 * annotations users act through (helmop.io/rollback-to, helmop.io/ignore-dependents, reconcile.helmop.io/*),
 * which `kubectl annotate` changes without a new generation. Status writes (helmop's own) wake nothing.
 */
public class HelmReleaseUpdateFilter implements OnUpdateFilter<HelmRelease> {
  @Override
  public boolean accept(HelmRelease newer, HelmRelease older) {
    return !Objects.equals(newer.getMetadata().getGeneration(), older.getMetadata().getGeneration())
        || newer.getMetadata().getDeletionTimestamp() != null
        || !Objects.equals(newer.getMetadata().getFinalizers(), older.getMetadata().getFinalizers())
        || RollbackRequest.changed(newer, older)
        || DayTwoRequests.changed(newer, older)
        || !Objects.equals(annotation(newer, Dependencies.IGNORE_DEPENDENTS),
            annotation(older, Dependencies.IGNORE_DEPENDENTS));
  }

  private static String annotation(HelmRelease release, String key) {
    var annotations = release.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
