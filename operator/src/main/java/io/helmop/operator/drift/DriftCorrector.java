package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;

/**
 * Puts a drifted object back as the release defines it, without a Helm revision: fields added live are
 * removed (a JSON patch, guarded by the resourceVersion that was compared), then the manifest object is
 * server-side applied with force, which restores changed values and recreates a deleted object.
 */
class DriftCorrector {
  static final String FIELD_MANAGER = "helmop";

  private final KubernetesClient client;

  DriftCorrector(KubernetesClient client) {
    this.client = client;
  }

  /** Throws KubernetesClientException with the API server's message when the server refuses. */
  void correct(ObjectCheck check) {
    Resource<GenericKubernetesResource> handle = Objects.handle(client, check.resource(), check.ref());
    List<String> added = check.differences().stream()
        .filter(DriftComparator.Difference::addedLive)
        .map(DriftComparator.Difference::pointer)
        .sorted((a, b) -> JsonPointers.byPosition(b, a)) // later list elements first, so earlier indexes stay valid
        .toList();
    if (!check.deleted() && !added.isEmpty()) {
      try {
        handle.patch(PatchContext.of(PatchType.JSON), removals(check.liveResourceVersion(), added).toString());
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409 || e.getCode() == 422) { // the guard failed: someone wrote the object meanwhile
          throw new ObjectChangedException(check.ref(), e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage() : e.getMessage());
        }
        throw e;
      }
    }
    ObjectNode applied = check.desired().deepCopy();
    // never claim what the user exempted
    check.ignoredPaths().forEach(pointer -> JsonPointers.remove(applied, pointer));
    Objects.withBody(client, check.resource(), check.ref(), applied)
        .fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
  }

  /** The object changed between the comparison and the correction: compare it again rather than guess. */
  static final class ObjectChangedException extends RuntimeException {
    /** @param server the API server's answer: an admission policy's refusal looks the same as a failed guard */
    ObjectChangedException(ObjectRef ref, String server) {
      super(ref + " changed after it was compared, or the server refused the change (" + server + ")", null, false,
          false);
    }
  }

  private static ArrayNode removals(String resourceVersion, List<String> pointers) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    patch.addObject().put("op", "test").put("path", "/metadata/resourceVersion").put("value", resourceVersion);
    pointers.forEach(pointer -> patch.addObject().put("op", "remove").put("path", pointer));
    return patch;
  }
}
