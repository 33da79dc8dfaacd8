package io.helmop.operator.drift;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who last wrote a field of a live object, read from its metadata.managedFields: the API server records, per
 * field manager (kubectl-edit, kube-controller-manager, cainjector, helm, ...), the fields it set, as a tree of
 * "f:name" keys for map fields and "k:{...}", "v:..." or "i:N" keys for list items.
 */
final class FieldOwners {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FieldOwners() {}

  /** The managers owning the field at the JSON pointer (or something under it); empty when nobody does. */
  static Set<String> of(JsonNode live, String pointer) {
    Set<String> owners = new LinkedHashSet<>();
    for (JsonNode entry : live.path("metadata").path("managedFields")) {
      if (owns(entry.path("fieldsV1"), live, JsonPointer.compile(pointer))) {
        owners.add(entry.path("manager").asText());
      }
    }
    return owners;
  }

  private static boolean owns(JsonNode fields, JsonNode live, JsonPointer pointer) {
    JsonNode tree = fields;
    JsonNode value = live;
    for (JsonPointer p = pointer; !p.matches(); p = p.tail()) {
      String token = p.getMatchingProperty();
      if (value.isArray()) {
        int index = p.getMatchingIndex();
        if (index < 0 || index >= value.size()) {
          return false;
        }
        JsonNode item = value.get(index);
        tree = itemKey(tree, item, index);
        value = item;
      } else {
        tree = tree.get("f:" + token);
        value = value.path(token);
      }
      if (tree == null) {
        return false;
      }
    }
    return true;
  }

  /** The subtree of a list item: keyed by its merge keys (k:), by its value (v:) or by its index (i:). */
  private static JsonNode itemKey(JsonNode tree, JsonNode item, int index) {
    Iterator<Map.Entry<String, JsonNode>> keys = tree.fields();
    while (keys.hasNext()) {
      Map.Entry<String, JsonNode> key = keys.next();
      String name = key.getKey();
      if (name.equals("i:" + index)
          || name.startsWith("v:") && sameValue(parse(name.substring(2)), item)
          || name.startsWith("k:") && matchesKeys(parse(name.substring(2)), item)) {
        return key.getValue();
      }
    }
    return null;
  }

  private static boolean matchesKeys(JsonNode keys, JsonNode item) {
    if (keys == null || !keys.isObject() || !item.isObject()) {
      return false;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = keys.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> key = fields.next();
      if (!sameValue(key.getValue(), item.path(key.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** Numbers compare by value (the API server may write 80 where the object holds 80.0, or the reverse). */
  private static boolean sameValue(JsonNode a, JsonNode b) {
    if (a == null || b == null || b.isMissingNode()) {
      return false;
    }
    if (a.isValueNode() && b.isValueNode()) {
      return a.asText().equals(b.asText());
    }
    return a.equals(b);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      return null;
    }
  }
}
