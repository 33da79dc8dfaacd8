package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides which differences between the live object and the object the release expects are drift.
 *
 * <p>{@code expected} is the manifest object as the API server would store it (a dry-run replace: the chart's
 * fields plus the server's defaults, nothing else). A difference counts when the chart owns its path:
 * <ul>
 *   <li>a value the manifest sets was changed or removed live (an image, replicas);</li>
 *   <li>a field was added live inside an object or list the manifest sets (an env var, a sidecar container,
 *       a nodeSelector). Argo CD's default diff misses these.</li>
 * </ul>
 * Fields the chart does not set and the server did not default (replicas of an HPA-scaled Deployment whose
 * chart leaves them out, an annotation another tool adds) are not drift. Metadata is compared only for the
 * labels and annotations the chart sets; status never.
 */
final class DriftComparator {
  private static final EnumSet<DiffFlags> FLAGS =
      EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION);

  /** One drifted field: its JSON pointer and whether it was added live (undone by removing it). */
  record Difference(String pointer, boolean addedLive) {}

  private DriftComparator() {}

  static List<Difference> compare(ObjectNode manifest, JsonNode expected, JsonNode live, List<String> ignored) {
    ObjectNode chart = comparable(manifest, manifest);
    Set<String> chartPointers = pointers(chart);
    JsonNode patch = JsonDiff.asJson(comparable(expected, manifest), comparable(live, manifest), FLAGS);
    Set<Difference> found = new java.util.LinkedHashSet<>();
    for (JsonNode op : patch) {
      String pointer = op.path("path").asText();
      boolean owned = switch (op.path("op").asText()) {
        case "add" -> chartPointers.contains(parent(pointer));
        case "replace", "remove" -> chartPointers.contains(pointer);
        default -> false;
      };
      if (owned && !isIgnored(pointer, ignored)) {
        found.add(new Difference(pointer, "add".equals(op.path("op").asText())));
      }
    }
    return List.copyOf(found);
  }

  /**
   * The fields {@code undone} (a failed revision's object) sets that {@code target} (the last deployed revision's
   * same object) does not, each at the top-most member missing from the target: what Helm's rollback would take
   * off, found without asking the server (which may refuse the dry run that finds fields added live). Only members
   * of objects: a list element's position says nothing about which element it is.
   */
  static Set<String> leftovers(ObjectNode target, ObjectNode undone) {
    Set<String> kept = pointers(restorable(target));
    Set<String> result = new TreeSet<>();
    for (String pointer : pointers(restorable(undone))) {
      String parent = parent(pointer);
      if (!pointer.isEmpty() && !kept.contains(pointer) && kept.contains(parent)
          && undone.at(parent).isObject()) {
        result.add(pointer);
      }
    }
    return result;
  }

  /**
   * What a restore may take off: of the metadata only single labels and annotations (never the whole map, which
   * holds Helm's and other tools' keys too, nor the name or namespace); no status.
   */
  private static ObjectNode restorable(ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    copy.remove("status");
    ObjectNode metadata = JsonNodeFactory.instance.objectNode();
    for (String field : List.of("labels", "annotations")) {
      JsonNode map = object.path("metadata").path(field);
      metadata.set(field, map.isObject() ? map.deepCopy() : JsonNodeFactory.instance.objectNode());
    }
    copy.set("metadata", metadata);
    return copy;
  }

  /** Sorted pointers, for messages and status. */
  static List<String> pointers(List<Difference> differences) {
    return List.copyOf(new TreeSet<>(differences.stream().map(Difference::pointer).toList()));
  }

  static boolean isIgnored(String pointer, List<String> ignored) {
    return ignored.stream().anyMatch(p -> pointer.equals(p) || pointer.startsWith(p + "/"));
  }

  /** The object without status and with only the chart's labels and annotations left of its metadata. */
  private static ObjectNode comparable(JsonNode object, ObjectNode manifest) {
    ObjectNode copy = object.deepCopy();
    copy.remove("status");
    copy.remove("metadata");
    ObjectNode metadata = JsonNodeFactory.instance.objectNode();
    for (String field : List.of("labels", "annotations")) {
      JsonNode chartSet = manifest.path("metadata").path(field);
      if (chartSet.isObject() && !chartSet.isEmpty()) {
        ObjectNode kept = metadata.putObject(field);
        JsonNode actual = object.path("metadata").path(field);
        chartSet.fieldNames().forEachRemaining(key -> {
          if (actual.has(key)) {
            kept.set(key, actual.get(key));
          }
        });
      }
    }
    if (!metadata.isEmpty()) {
      copy.set("metadata", metadata);
    }
    return copy;
  }

  /** Every JSON pointer the object sets, containers included. */
  private static Set<String> pointers(JsonNode node) {
    Set<String> result = new HashSet<>();
    collect(node, "", result);
    return result;
  }

  private static void collect(JsonNode node, String pointer, Set<String> into) {
    into.add(pointer);
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        var field = it.next();
        collect(field.getValue(), pointer + "/" + escape(field.getKey()), into);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collect(node.get(i), pointer + "/" + i, into);
      }
    }
  }

  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static String parent(String pointer) {
    int slash = pointer.lastIndexOf('/');
    return slash <= 0 ? "" : pointer.substring(0, slash);
  }
}
