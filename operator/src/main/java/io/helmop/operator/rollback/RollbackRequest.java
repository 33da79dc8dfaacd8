package io.helmop.operator.rollback;

import io.helmop.api.v1alpha1.HelmRelease;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A user's request to roll a release back: {@code kubectl annotate helmrelease NAME helmop.io/rollback-to=N}.
 * An annotation, not a spec field: a rollback is a one-off action, not desired state to keep in Git; helmop
 * removes the annotation once it has acted on it, so it never repeats.
 *
 * @param value the annotation as written
 * @param revision the revision asked for, empty when the value is not a positive whole number
 */
public record RollbackRequest(String value, Optional<Integer> revision) {
  public static final String ANNOTATION = "helmop.io/rollback-to";

  public static Optional<RollbackRequest> of(HelmRelease release) {
    String value = annotation(release);
    if (value == null) {
      return Optional.empty();
    }
    Optional<Integer> revision;
    try {
      int n = Integer.parseInt(value.strip());
      revision = n > 0 ? Optional.of(n) : Optional.empty();
    } catch (NumberFormatException e) {
      revision = Optional.empty();
    }
    return Optional.of(new RollbackRequest(value, revision));
  }

  static String annotation(HelmRelease release) {
    Map<String, String> annotations = release.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ANNOTATION);
  }

  /** True when the rollback annotation was added or changed between two versions of a HelmRelease. */
  public static boolean changed(HelmRelease newer, HelmRelease older) {
    return !Objects.equals(annotation(newer), annotation(older));
  }
}
