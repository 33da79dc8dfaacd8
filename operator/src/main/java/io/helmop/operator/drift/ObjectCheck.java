package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;

/**
 * The outcome of comparing one object of the release with the live cluster.
 *
 * @param desired the manifest object as helmop re-applies it (namespace set, release label added)
 * @param liveResourceVersion of the object compared; null when it is gone
 * @param liveFingerprint of the object compared, without bookkeeping ({@link Objects#fingerprint}); null when gone
 * @param ignoredPaths what a correction never claims: paths spec.driftDetection.ignore exempts, and fields the
 *     chart sets that a writer whose edits are not drift changed (spec.driftDetection.fieldManagers)
 */
public record ObjectCheck(ObjectRef ref, ResourceDefinitionContext resource, ObjectNode desired,
    String liveResourceVersion, String liveFingerprint, List<DriftComparator.Difference> differences,
    List<String> ignoredPaths) {

  public boolean deleted() {
    return liveResourceVersion == null;
  }

  public boolean drifted() {
    return deleted() || !differences.isEmpty();
  }

  /** What status and messages show: the pointers, or "(deleted)". */
  public List<String> paths() {
    return deleted() ? List.of("(deleted)") : DriftComparator.pointers(differences);
  }
}
