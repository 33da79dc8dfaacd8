package io.helmop.operator.release;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The HelmRelease a Helm release belongs to, as labels on Helm's release records (the Secrets
 * {@code sh.helm.release.v1.<name>.v<N>}). Helm keeps a record's custom labels when it rewrites the record and
 * carries them to the next revision, so the marks survive upgrades made by other clients too. helm-java cannot
 * pass Helm's own --labels, so helmop labels the records itself right after Helm wrote them.
 *
 * <p>A release belongs to a HelmRelease by namespace and name: a HelmRelease deleted and created again under the
 * same name (a new uid) is the same owner to its users, who alone can create it there; the uid tells the two apart
 * in the marks for whoever reads them.
 */
public record ReleaseOwner(String namespace, String name, String uid) {
  public static final String NAMESPACE_LABEL = "helmop.io/owner-namespace";
  public static final String NAME_LABEL = "helmop.io/owner-name";
  public static final String UID_LABEL = "helmop.io/owner-uid";
  private static final int MAX_LABEL_VALUE = 63;

  public static ReleaseOwner of(HelmRelease release) {
    return new ReleaseOwner(release.getMetadata().getNamespace(), labelValue(release.getMetadata().getName()),
        release.getMetadata().getUid() == null ? "" : release.getMetadata().getUid());
  }

  /** The marks on a record; empty when it has none (a release of the helm CLI, or one helmop made before marks). */
  public static Optional<ReleaseOwner> fromLabels(Map<String, String> labels) {
    if (labels == null || labels.get(NAMESPACE_LABEL) == null || labels.get(NAME_LABEL) == null) {
      return Optional.empty();
    }
    return Optional.of(new ReleaseOwner(labels.get(NAMESPACE_LABEL), labels.get(NAME_LABEL),
        labels.getOrDefault(UID_LABEL, "")));
  }

  public Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAMESPACE_LABEL, namespace);
    labels.put(NAME_LABEL, name);
    labels.put(UID_LABEL, uid);
    return labels;
  }

  /** This owner is {@code release}: same namespace and name, whatever the uid. */
  public boolean isHelmRelease(HelmRelease release) {
    return equals(of(release)) || (namespace.equals(release.getMetadata().getNamespace())
        && name.equals(labelValue(release.getMetadata().getName())));
  }

  /** Marked for exactly this HelmRelease (uid included): nothing to re-mark. */
  public boolean isExactly(HelmRelease release) {
    return equals(of(release));
  }

  /**
   * Why {@code release} leaves this owner's release alone: no install, upgrade, rollback or uninstall, until the
   * spec names another release or the owner is gone.
   */
  public ReconcileFailure ownedBy(HelmRelease release) {
    return ownedBy(release, "uid " + uid);
  }

  /** @param evidence how helmop knows the owner, said in parentheses after it */
  public ReconcileFailure ownedBy(HelmRelease release, String evidence) {
    return ReconcileFailure.stalled(Reasons.RELEASE_OWNED_BY_ANOTHER, "Helm release " + release.releaseName()
        + " in namespace " + release.targetNamespace() + " belongs to HelmRelease " + this + " (" + evidence
        + "): helmop leaves it alone for this HelmRelease (no upgrade, and no uninstall when it is deleted). Pick "
        + "another spec.releaseName or spec.targetNamespace, or delete HelmRelease " + this + " first (its "
        + "deletion uninstalls the release).");
  }

  /** "namespace/name", as users name a HelmRelease. */
  @Override
  public String toString() {
    return namespace + "/" + name;
  }

  /**
   * A HelmRelease's name may be longer than a label value: the marks keep its first 63 characters. Owners that
   * share them are in one namespace, so they belong to one tenant, and neither can reach another's release.
   */
  private static String labelValue(String name) {
    if (name == null || name.length() <= MAX_LABEL_VALUE) {
      return Objects.requireNonNullElse(name, "");
    }
    return name.substring(0, MAX_LABEL_VALUE).replaceAll("[^A-Za-z0-9]+$", "");
  }
}
