package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares each object of a release's manifest with the live object. The expected object comes from the API
 * server itself (a dry-run replace of the manifest object), so server defaults never count as drift.
 */
class DriftDetector {
  private static final Logger LOG = LoggerFactory.getLogger(DriftDetector.class);
  /** How often an object written again while it was compared is read again before the fallbacks stand in. */
  private static final int MAX_READS = 5;

  private static final class LiveObjectChanged extends RuntimeException {
    LiveObjectChanged() {
      super(null, null, false, false);
    }
  }

  private final KubernetesClient client;
  private final KindCatalog kinds;

  DriftDetector(KubernetesClient client, KindCatalog kinds) {
    this.client = client;
    this.kinds = kinds;
  }

  /**
   * One object put back as a revision has it: also {@code leftovers} (fields a failed revision set that the
   * revision does not) count as added live wherever the live object still has them. Empty when the kind is not
   * served or the object opted out.
   */
  Optional<ObjectCheck> checkForRestore(ObjectNode object, String releaseNamespace, String label, IgnoreRules ignore,
      Set<String> leftovers) {
    return kinds.resolve(object.path("apiVersion").asText(), object.path("kind").asText())
        .flatMap(resource -> check(object, resource, releaseNamespace, label, ignore, leftovers));
  }

  /** Checks every object of the manifest; objects of unknown kinds and opted-out objects are left out. */
  List<ObjectCheck> check(List<ObjectNode> manifest, String releaseNamespace, String label, IgnoreRules ignore) {
    List<ObjectCheck> checks = new ArrayList<>();
    for (ObjectNode object : manifest) {
      String apiVersion = object.path("apiVersion").asText();
      String kind = object.path("kind").asText();
      Optional<ResourceDefinitionContext> resource = kinds.resolve(apiVersion, kind);
      if (resource.isEmpty()) {
        LOG.debug("{} {} is not served by the API server; skipping its drift check", apiVersion, kind);
        continue;
      }
      check(object, resource.get(), releaseNamespace, label, ignore, Set.of()).ifPresent(checks::add);
    }
    return checks;
  }

  /** Whether the API server serves the kind of every object of the manifest (else some went unchecked). */
  boolean allServed(List<ObjectNode> manifest) {
    return manifest.stream().allMatch(object ->
        kinds.resolve(object.path("apiVersion").asText(), object.path("kind").asText()).isPresent());
  }

  private Optional<ObjectCheck> check(ObjectNode manifestObject, ResourceDefinitionContext resource,
      String releaseNamespace, String label, IgnoreRules ignore, Set<String> leftovers) {
    ObjectRef ref = ObjectRef.of(manifestObject, resource, releaseNamespace);
    ObjectNode desired = desired(manifestObject, ref.namespace(), label);
    List<String> ignored = ignore.pathsFor(ref);
    Resource<GenericKubernetesResource> handle = Objects.handle(client, resource, ref);
    GenericKubernetesResource live;
    JsonNode expected;
    for (int attempt = 1; ; attempt++) {
      live = handle.get();
      if (live == null) {
        return Optional.of(new ObjectCheck(ref, resource, desired, null, null, List.of(), ignored));
      }
      Map<String, String> annotations = live.getMetadata().getAnnotations();
      if (annotations != null && "disabled".equals(annotations.get(ReleaseLabel.SKIP_ANNOTATION))) {
        return Optional.empty();
      }
      if (!label.equals(labelsOf(live).get(ReleaseLabel.KEY))) {
        live = labelled(handle, label);
      }
      try {
        expected = expected(resource, ref, desired, live, attempt < MAX_READS);
        break;
      } catch (LiveObjectChanged changed) {
        LOG.debug("{} changed while it was compared; reading it again", ref);
      }
    }
    JsonNode liveJson = Objects.json(client, live);
    List<DriftComparator.Difference> found = new ArrayList<>(withoutServerDefaults(resource, ref, liveJson,
        DriftComparator.compare(manifestObject, expected, liveJson, ignored)));
    for (String pointer : leftovers) {
      if (!liveJson.at(pointer).isMissingNode() && !DriftComparator.isIgnored(pointer, ignored)
          && found.stream().noneMatch(d -> d.pointer().equals(pointer))) {
        found.add(new DriftComparator.Difference(pointer, true));
      }
    }
    List<DriftComparator.Difference> differences = new ArrayList<>();
    List<String> othersFields = new ArrayList<>(ignored);
    for (DriftComparator.Difference difference : found) {
      Set<String> writers = FieldOwners.of(liveJson, difference.pointer());
      if (ignore.counts(writers)) {
        differences.add(difference);
      } else { // another controller's field (an injected caBundle, an autoscaler's replicas): never claimed
        LOG.debug("{}: {} was written by {}, whose edits are not drift (spec.driftDetection.fieldManagers); left "
            + "to it", ref, difference.pointer(), writers);
        othersFields.add(difference.pointer());
      }
    }
    String fingerprint = Objects.fingerprint(Objects.withoutBookkeeping(client, live));
    return Optional.of(new ObjectCheck(ref, resource, desired, live.getMetadata().getResourceVersion(), fingerprint,
        differences, othersFields));
  }

  /** The manifest object as applied: namespace filled in and the release label added. */
  private static ObjectNode desired(ObjectNode manifestObject, String namespace, String label) {
    ObjectNode desired = manifestObject.deepCopy();
    ObjectNode metadata = desired.with("metadata");
    if (namespace != null) {
      metadata.put("namespace", namespace);
    }
    metadata.with("labels").put(ReleaseLabel.KEY, label);
    return desired;
  }

  /**
   * The manifest object as the server would store it in place of the live one: a dry-run replace keeps the
   * live metadata (so labels and annotations others added stay) and takes everything else from the manifest.
   * When the server refuses a replace (an immutable field such as a Job's selector), a dry-run server-side
   * apply stands in: it finds changed values, not fields added live. When it refuses both (no permission, an
   * admission policy), the manifest's values laid over the live object still show what was changed.
   */
  private JsonNode expected(ResourceDefinitionContext resource, ObjectRef ref, ObjectNode desired,
      GenericKubernetesResource live, boolean mayReadAgain) {
    ObjectNode body = desired.deepCopy();
    ObjectNode metadata = body.with("metadata");
    metadata.put("resourceVersion", live.getMetadata().getResourceVersion());
    merge(metadata.with("labels"), live.getMetadata().getLabels());
    merge(metadata.with("annotations"), live.getMetadata().getAnnotations());
    try {
      return Objects.json(client, Objects.withBody(client, resource, ref, body).dryRun().update());
    } catch (KubernetesClientException replaceRefused) {
      if (replaceRefused.getCode() == 409 && mayReadAgain) {
        // written since it was read (its controller, a correction landing): the fallbacks below would miss
        // fields added live, so compare the newer object instead
        throw new LiveObjectChanged();
      }
      LOG.debug("Dry-run replace of {} refused: {}", ref, replaceRefused.getMessage());
    }
    try {
      return Objects.json(client, Objects.withBody(client, resource, ref, desired).dryRun()
          .fieldManager(DriftCorrector.FIELD_MANAGER).forceConflicts().serverSideApply());
    } catch (KubernetesClientException applyRefused) {
      LOG.debug("Dry-run apply of {} refused: {}", ref, applyRefused.getMessage());
    }
    JsonNode overlaid = Objects.json(client, live).deepCopy();
    JsonPointers.overlay((ObjectNode) overlaid, desired);
    return overlaid;
  }

  /**
   * A field that looks added live may be one the server defaults because of another live change outside the
   * chart (ClientIP session affinity brings sessionAffinityConfig). Removing it would only bring it back, so a
   * second dry-run replace of the live object without the added fields tells which ones the server re-adds.
   */
  private List<DriftComparator.Difference> withoutServerDefaults(ResourceDefinitionContext resource, ObjectRef ref,
      JsonNode live, List<DriftComparator.Difference> differences) {
    List<String> added = differences.stream().filter(DriftComparator.Difference::addedLive)
        .map(DriftComparator.Difference::pointer).sorted((a, b) -> JsonPointers.byPosition(b, a)).toList();
    if (added.isEmpty()) {
      return differences;
    }
    ObjectNode trimmed = live.deepCopy();
    trimmed.remove("status");
    ((ObjectNode) trimmed.path("metadata")).remove("managedFields");
    added.forEach(pointer -> JsonPointers.remove(trimmed, pointer));
    JsonNode redefaulted;
    try {
      redefaulted = Objects.json(client, Objects.withBody(client, resource, ref, trimmed).dryRun().update());
    } catch (KubernetesClientException refused) {
      return differences; // the server would not take the object without them: report them as found
    }
    return differences.stream()
        .filter(d -> !d.addedLive() || redefaulted.at(d.pointer()).isMissingNode())
        .toList();
  }

  /** Adds the live labels or annotations the chart does not set, so the dry run keeps them. */
  private static void merge(ObjectNode chart, Map<String, String> live) {
    if (live != null) {
      live.forEach((key, value) -> {
        if (!chart.has(key)) {
          chart.put(key, value);
        }
      });
    }
  }

  private static Map<String, String> labelsOf(GenericKubernetesResource live) {
    Map<String, String> labels = live.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  private static GenericKubernetesResource labelled(Resource<GenericKubernetesResource> handle, String label) {
    return handle.patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"" + ReleaseLabel.KEY + "\":\"" + label + "\"}}}");
  }
}
