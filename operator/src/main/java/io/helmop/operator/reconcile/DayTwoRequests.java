package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a user asks for with an annotation, as Flux users know it (`reconcile.fluxcd.io/requestedAt` and friends):
 * reconcile now, force one upgrade even though nothing changed, reset the count of failed attempts. The value is
 * any token (a timestamp: `date +%s`); a request is pending while it differs from the value status says was
 * answered, so each new value is answered once.
 */
public final class DayTwoRequests {
  public static final String RECONCILE = "reconcile.helmop.io/requestedAt";
  public static final String FORCE = "reconcile.helmop.io/forceAt";
  public static final String RESET = "reconcile.helmop.io/resetAt";

  private DayTwoRequests() {}

  public static Optional<String> reconcilePending(HelmRelease release) {
    return pending(release, RECONCILE, HelmReleaseStatus::getLastHandledReconcileAt);
  }

  public static Optional<String> forcePending(HelmRelease release) {
    return pending(release, FORCE, HelmReleaseStatus::getLastHandledForceAt);
  }

  public static Optional<String> resetPending(HelmRelease release) {
    return pending(release, RESET, HelmReleaseStatus::getLastHandledResetAt);
  }

  /** True when one of these annotations was added or changed between two versions of a HelmRelease. */
  public static boolean changed(HelmRelease newer, HelmRelease older) {
    return !Objects.equals(token(newer, RECONCILE), token(older, RECONCILE))
        || !Objects.equals(token(newer, FORCE), token(older, FORCE))
        || !Objects.equals(token(newer, RESET), token(older, RESET));
  }

  private static Optional<String> pending(HelmRelease release, String annotation,
      Function<HelmReleaseStatus, String> answered) {
    String token = token(release, annotation);
    String handled = release.getStatus() == null ? null : answered.apply(release.getStatus());
    return token == null || token.equals(handled) ? Optional.empty() : Optional.of(token);
  }

  private static String token(HelmRelease release, String annotation) {
    Map<String, String> annotations = release.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(annotation);
    return value == null || value.isBlank() ? null : value.strip();
  }
}
