package io.helmop.operator.postrender;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' strategic merge patch for the kinds charts hold: maps merge key by key, null removes a key,
 * {@code $patch: delete} removes a map or a list item and {@code $patch: replace} replaces a map, and the lists
 * Kubernetes merges by a key (containers and volumes by name, container ports by containerPort, ...) merge item
 * by item; any other list is replaced. Written here because no Java library implements it (Kubernetes' own is Go,
 * driven by the Go types' patchMergeKey tags; the list below is those tags for the common kinds).
 */
final class StrategicMerge {
  /** Field name to merge key, from the patchMergeKey tags of the core and apps types. */
  private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
      Map.entry("containers", "name"),
      Map.entry("initContainers", "name"),
      Map.entry("ephemeralContainers", "name"),
      Map.entry("env", "name"),
      Map.entry("volumes", "name"),
      Map.entry("volumeMounts", "mountPath"),
      Map.entry("volumeDevices", "devicePath"),
      Map.entry("imagePullSecrets", "name"),
      Map.entry("hostAliases", "ip"),
      Map.entry("topologySpreadConstraints", "topologyKey"),
      Map.entry("resourceClaims", "name"),
      Map.entry("conditions", "type"));
  private static final String DIRECTIVE = "$patch";

  private StrategicMerge() {}

  /** Applies {@code patch} to {@code target} in place. */
  static void apply(ObjectNode target, ObjectNode patch) {
    merge(target, patch, false);
  }

  private static void merge(ObjectNode target, ObjectNode patch, boolean inContainer) {
    if ("replace".equals(patch.path(DIRECTIVE).asText())) {
      target.removeAll();
      patch.fields().forEachRemaining(e -> {
        if (!e.getKey().startsWith("$")) {
          target.set(e.getKey(), e.getValue().deepCopy());
        }
      });
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (key.startsWith("$")) {
        continue; // directives ($retainKeys, $setElementOrder/...) change order or pruning only
      }
      JsonNode existing = target.get(key);
      if (value.isNull() || value.isObject() && "delete".equals(value.path(DIRECTIVE).asText())) {
        target.remove(key);
      } else if (value instanceof ObjectNode map && existing instanceof ObjectNode into) {
        merge(into, map, inContainer || key.equals("containers") || key.equals("initContainers"));
      } else if (value instanceof ArrayNode list && existing instanceof ArrayNode into
          && mergeKey(key, inContainer) != null) {
        mergeList(into, list, mergeKey(key, inContainer));
      } else {
        target.set(key, withoutDirectives(value.deepCopy()));
      }
    }
  }

  /** Container ports merge by containerPort; a Service's ports by port. */
  private static String mergeKey(String field, boolean inContainer) {
    if (field.equals("ports")) {
      return inContainer ? "containerPort" : "port";
    }
    return MERGE_KEYS.get(field);
  }

  private static void mergeList(ArrayNode target, ArrayNode patch, String mergeKey) {
    for (JsonNode item : patch) {
      if (!(item instanceof ObjectNode patchItem) || !patchItem.has(mergeKey)) {
        target.add(withoutDirectives(item.deepCopy()));
        continue;
      }
      JsonNode id = patchItem.get(mergeKey);
      int found = -1;
      for (int i = 0; i < target.size(); i++) {
        if (id.equals(target.get(i).get(mergeKey))) {
          found = i;
          break;
        }
      }
      if ("delete".equals(patchItem.path(DIRECTIVE).asText())) {
        if (found >= 0) {
          target.remove(found);
        }
      } else if (found >= 0 && target.get(found) instanceof ObjectNode into) {
        merge(into, patchItem, mergeKey.equals("name"));
      } else {
        target.add(withoutDirectives(patchItem.deepCopy()));
      }
    }
  }

  private static JsonNode withoutDirectives(JsonNode node) {
    if (node instanceof ObjectNode map) {
      List<String> directives = new java.util.ArrayList<>();
      map.fieldNames().forEachRemaining(name -> {
        if (name.startsWith("$")) {
          directives.add(name);
        }
      });
      map.remove(directives);
      map.forEach(StrategicMerge::withoutDirectives);
    } else if (node instanceof ArrayNode list) {
      list.forEach(StrategicMerge::withoutDirectives);
    }
    return node;
  }
}
