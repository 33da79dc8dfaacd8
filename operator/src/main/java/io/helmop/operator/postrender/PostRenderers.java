package io.helmop.operator.postrender;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.zjsonpatch.JsonPatch;
import io.helmop.api.v1alpha1.CommonMetadata;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.ImageOverride;
import io.helmop.api.v1alpha1.KustomizePatch;
import io.helmop.api.v1alpha1.PatchTarget;
import io.helmop.api.v1alpha1.PostRenderer;
import io.helmop.operator.release.RenderedObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * spec.postRenderers and spec.commonMetadata applied to a rendered chart: each post-renderer's patches in order,
 * then its image overrides, then the common labels and annotations on every object. A pure function of the spec
 * and the rendered objects, so a release's post-rendered objects change only when one of them does.
 */
public final class PostRenderers {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper CANONICAL_JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final int MAX_SHOWN = 200;

  private PostRenderers() {}

  /** Whether the spec asks for any post-rendering (else the chart goes to Helm as it is). */
  public static boolean requested(HelmReleaseSpec spec) {
    boolean renderers = spec.getPostRenderers() != null && !spec.getPostRenderers().isEmpty();
    CommonMetadata common = spec.getCommonMetadata();
    boolean metadata = common != null && (common.getLabels() != null && !common.getLabels().isEmpty()
        || common.getAnnotations() != null && !common.getAnnotations().isEmpty());
    return renderers || metadata;
  }

  /** What the release digest covers of post-rendering: null when nothing is asked, so other digests stay. */
  public static String digestInput(HelmReleaseSpec spec) {
    if (!requested(spec)) {
      return null;
    }
    try {
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("postRenderers", spec.getPostRenderers());
      input.put("commonMetadata", spec.getCommonMetadata());
      return CANONICAL_JSON.writeValueAsString(CANONICAL_JSON.valueToTree(input));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise spec.postRenderers", e);
    }
  }

  /**
   * The objects post-rendered, in the same order; the input is not changed.
   *
   * @param releaseNamespace the namespace of objects that name none, for targets that select by namespace
   */
  public static List<RenderedObject> apply(HelmReleaseSpec spec, List<RenderedObject> rendered,
      String releaseNamespace) throws PostRenderException {
    List<ObjectNode> objects = new ArrayList<>();
    rendered.forEach(object -> objects.add(object.body().deepCopy()));
    List<PostRenderer> renderers = spec.getPostRenderers() == null ? List.of() : spec.getPostRenderers();
    for (int i = 0; i < renderers.size(); i++) {
      String field = "spec.postRenderers[" + i + "]";
      PostRenderer renderer = renderers.get(i);
      if (renderer == null || renderer.getKustomize() == null) {
        throw new PostRenderException(field + " has no kustomize: the only post-renderer helmop runs is "
            + "kustomize (patches and images).");
      }
      List<KustomizePatch> patches = renderer.getKustomize().getPatches();
      for (int p = 0; patches != null && p < patches.size(); p++) {
        patch(objects, patches.get(p), field + ".kustomize.patches[" + p + "]", releaseNamespace);
      }
      List<ImageOverride> images = renderer.getKustomize().getImages();
      if (images != null && !images.isEmpty()) {
        for (int m = 0; m < images.size(); m++) {
          ImageOverrides.validate(images.get(m), field + ".kustomize.images[" + m + "]");
        }
        objects.forEach(object -> ImageOverrides.apply(object, images));
      }
    }
    CommonMetadata common = spec.getCommonMetadata();
    if (common != null) {
      for (ObjectNode object : objects) {
        ObjectNode metadata = object.with("metadata");
        addAll(metadata, "labels", common.getLabels());
        addAll(metadata, "annotations", common.getAnnotations());
      }
    }
    List<RenderedObject> result = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      RenderedObject before = rendered.get(i);
      result.add(new RenderedObject(objects.get(i), before.source(), before.hook()));
    }
    return result;
  }

  private static void addAll(ObjectNode metadata, String field, Map<String, String> entries) {
    if (entries == null || entries.isEmpty()) {
      return;
    }
    ObjectNode map = metadata.get(field) instanceof ObjectNode existing ? existing : metadata.putObject(field);
    entries.forEach(map::put);
  }

  private static void patch(List<ObjectNode> objects, KustomizePatch spec, String field, String releaseNamespace)
      throws PostRenderException {
    if (spec == null || spec.getPatch() == null || spec.getPatch().isBlank()) {
      throw new PostRenderException(field + ".patch is empty: write a strategic merge patch (a partial object) "
          + "or a JSON 6902 patch (a list of operations).");
    }
    JsonNode patch;
    try {
      patch = YAML.readTree(spec.getPatch());
    } catch (JsonProcessingException e) {
      throw new PostRenderException(field + ".patch is not YAML or JSON (" + firstLine(e.getOriginalMessage())
          + "): " + shown(spec.getPatch()));
    }
    Target target;
    if (spec.getTarget() != null) {
      target = Target.of(spec.getTarget(), field + ".target");
    } else if (patch instanceof ObjectNode partial) {
      target = Target.ofPatch(partial, field);
    } else {
      throw new PostRenderException(field + " is a JSON 6902 patch without a target: add " + field + ".target "
          + "(kind, name, ...) to say which objects it changes.");
    }
    List<Integer> selected = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      if (target.matches(objects.get(i), releaseNamespace)) {
        selected.add(i);
      }
    }
    if (selected.isEmpty()) {
      throw new PostRenderException(field + (spec.getTarget() == null ? " (its apiVersion, kind and metadata)"
          : ".target") + " " + target + " selects none of the " + objects.size() + " objects the chart renders: "
          + "fix the target, or remove the patch.");
    }
    for (int i : selected) {
      ObjectNode object = objects.get(i);
      String what = object.path("kind").asText() + " " + object.path("metadata").path("name").asText();
      if (patch instanceof ArrayNode operations) {
        try {
          JsonNode patched = JsonPatch.apply(operations, object);
          if (!(patched instanceof ObjectNode result)) {
            throw new PostRenderException(field + ".patch turns " + what + " into something that is not an object.");
          }
          objects.set(i, result);
        } catch (RuntimeException e) { // zjsonpatch's JsonPatchException and its invalid-patch errors
          throw new PostRenderException(field + ".patch does not apply to " + what + ": "
              + firstLine(e.getMessage()) + ". Patch: " + shown(spec.getPatch()));
        }
      } else if (patch instanceof ObjectNode partial) {
        ObjectNode merge = partial.deepCopy();
        if (spec.getTarget() != null) { // the target chooses the objects: the patch's own identity does not
          merge.remove(List.of("apiVersion", "kind"));
          if (merge.get("metadata") instanceof ObjectNode metadata) {
            metadata.remove(List.of("name", "namespace"));
          }
        }
        StrategicMerge.apply(object, merge);
      } else {
        throw new PostRenderException(field + ".patch is neither a partial object (strategic merge) nor a list "
            + "of operations (JSON 6902): " + shown(spec.getPatch()));
      }
      ObjectNode patched = objects.get(i);
      if (!patched.path("metadata").path("name").isTextual() || patched.path("kind").asText("").isEmpty()) {
        throw new PostRenderException(field + ".patch removes the name of " + what + ": a patch must leave "
            + "apiVersion, kind and metadata.name in place.");
      }
    }
  }

  private static String firstLine(String text) {
    String line = String.valueOf(text).lines().findFirst().orElse("").strip();
    return line.length() > MAX_SHOWN ? line.substring(0, MAX_SHOWN) + "…" : line;
  }

  private static String shown(String patch) {
    String flat = patch.strip().replaceAll("\\s*\\n\\s*", " ");
    return "'" + (flat.length() > MAX_SHOWN ? flat.substring(0, MAX_SHOWN) + "…" : flat) + "'";
  }

  /** Which objects a patch applies to. */
  private record Target(String group, String version, String kind, Pattern name, Pattern namespace,
      Selector labels, Selector annotations, String describe) {

    static Target of(PatchTarget target, String field) throws PostRenderException {
      // as in Kustomize, an empty field selects anything
      return new Target(blankToNull(target.getGroup()), blankToNull(target.getVersion()),
          blankToNull(target.getKind()),
          regex(target.getName(), field + ".name"), regex(target.getNamespace(), field + ".namespace"),
          selector(target.getLabelSelector(), field + ".labelSelector"),
          selector(target.getAnnotationSelector(), field + ".annotationSelector"), describe(target));
    }

    /** A strategic merge patch without target: the object of its own apiVersion, kind and name. */
    static Target ofPatch(ObjectNode patch, String field) throws PostRenderException {
      String kind = patch.path("kind").asText("");
      String name = patch.path("metadata").path("name").asText("");
      if (kind.isEmpty() || name.isEmpty()) {
        throw new PostRenderException(field + " has no target, and its patch names no kind and metadata.name: "
            + "add " + field + ".target, or the kind and name of the object to the patch.");
      }
      PatchTarget target = new PatchTarget();
      String apiVersion = patch.path("apiVersion").asText("");
      if (!apiVersion.isEmpty()) {
        target.setGroup(apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "");
        target.setVersion(apiVersion.substring(apiVersion.indexOf('/') + 1));
      }
      target.setKind(kind);
      target.setName(Pattern.quote(name));
      String namespace = patch.path("metadata").path("namespace").asText("");
      if (!namespace.isEmpty()) {
        target.setNamespace(Pattern.quote(namespace));
      }
      Target parsed = of(target, field);
      // the patch's own apiVersion "v1" means the core group only
      return new Target(target.getGroup(), target.getVersion(), kind, parsed.name, parsed.namespace, null, null,
          "(" + (apiVersion.isEmpty() ? "" : "apiVersion=" + apiVersion + ", ") + "kind=" + kind + ", name=" + name
              + (namespace.isEmpty() ? "" : ", namespace=" + namespace) + ")");
    }

    private static String blankToNull(String value) {
      return value == null || value.isBlank() ? null : value;
    }

    boolean matches(ObjectNode object, String releaseNamespace) {
      String apiVersion = object.path("apiVersion").asText("");
      String objectGroup = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
      String objectVersion = apiVersion.substring(apiVersion.indexOf('/') + 1);
      String objectNamespace = object.path("metadata").path("namespace").asText("");
      return (group == null || group.equals(objectGroup))
          && (version == null || version.equals(objectVersion))
          && (kind == null || kind.equals(object.path("kind").asText()))
          && (name == null || name.matcher(object.path("metadata").path("name").asText("")).matches())
          && (namespace == null || namespace.matcher(objectNamespace.isEmpty() ? releaseNamespace : objectNamespace)
              .matches())
          && (labels == null || labels.matches(strings(object.path("metadata").path("labels"))))
          && (annotations == null || annotations.matches(strings(object.path("metadata").path("annotations"))));
    }

    @Override
    public String toString() {
      return describe;
    }

    private static Map<String, String> strings(JsonNode map) {
      Map<String, String> values = new LinkedHashMap<>();
      map.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
      return values;
    }

    private static Pattern regex(String value, String field) throws PostRenderException {
      if (value == null || value.isEmpty()) {
        return null;
      }
      try {
        return Pattern.compile(value);
      } catch (PatternSyntaxException e) {
        throw new PostRenderException(field + " '" + value + "' is not a regular expression ("
            + e.getDescription() + "): write the name itself, or a valid expression.");
      }
    }

    private static Selector selector(String value, String field) throws PostRenderException {
      if (value == null || value.isBlank()) {
        return null;
      }
      try {
        return Selector.parse(value);
      } catch (IllegalArgumentException e) {
        throw new PostRenderException(field + " '" + value + "' is not a label selector (" + e.getMessage()
            + "): write it as key=value,key!=value,key in (a,b),!key.");
      }
    }

    private static String describe(PatchTarget target) {
      List<String> parts = new ArrayList<>();
      add(parts, "group", target.getGroup());
      add(parts, "version", target.getVersion());
      add(parts, "kind", target.getKind());
      add(parts, "name", target.getName());
      add(parts, "namespace", target.getNamespace());
      add(parts, "labelSelector", target.getLabelSelector());
      add(parts, "annotationSelector", target.getAnnotationSelector());
      return "(" + (parts.isEmpty() ? "any object" : String.join(", ", parts)) + ")";
    }

    private static void add(List<String> parts, String name, String value) {
      if (value != null) {
        parts.add(name + "=" + value);
      }
    }
  }
}
