package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.DependencyReference;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.util.List;

/**
 * With --no-cross-namespace-refs, a HelmRelease names nothing outside its own namespace: not the namespace its
 * release goes into, not a HelmRelease it depends on. Its other references (valuesFrom, secretRef) can only name
 * its own namespace anyway. Checked before anything is fetched or planned.
 */
final class NamespaceLockdown {
  private NamespaceLockdown() {}

  static void check(HelmRelease release) throws ReconcileFailure {
    String own = release.getMetadata().getNamespace();
    String target = release.getSpec().getTargetNamespace();
    if (target != null && !target.isBlank() && !target.equals(own)) {
      throw refused("spec.targetNamespace \"" + target + "\"", own, "Remove spec.targetNamespace (the release then "
          + "goes into " + own + ") or set it to \"" + own + "\".");
    }
    List<DependencyReference> refs = release.getSpec().getDependsOn();
    for (int i = 0; refs != null && i < refs.size(); i++) {
      DependencyReference ref = refs.get(i);
      String ns = ref == null ? null : ref.getNamespace();
      if (ns != null && !ns.isBlank() && !ns.equals(own)) {
        throw refused("spec.dependsOn[" + i + "].namespace \"" + ns + "\" (HelmRelease " + ns + "/" + ref.getName()
            + ")", own, "Depend only on HelmReleases of namespace " + own + ", or remove the entry.");
      }
    }
  }

  private static ReconcileFailure refused(String what, String own, String todo) {
    return ReconcileFailure.stalled(Reasons.INVALID_SPEC, what + " is outside this HelmRelease's namespace \"" + own
        + "\", and this operator refuses references to other namespaces (--no-cross-namespace-refs). " + todo);
  }
}
