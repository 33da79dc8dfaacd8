package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small RFC 6901 helpers for the pointers drift reports. */
final class JsonPointers {
  private JsonPointers() {}

  /** Removes the field or list element at {@code pointer}, if there is one. */
  static void remove(JsonNode root, String pointer) {
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = root.at(pointer.substring(0, slash));
    String last = pointer.substring(slash + 1).replace("~1", "/").replace("~0", "~");
    if (parent instanceof ObjectNode map) {
      map.remove(last);
    } else if (parent instanceof ArrayNode list && last.matches("\\d+") && Integer.parseInt(last) < list.size()) {
      list.remove(Integer.parseInt(last));
    }
  }

  /** Orders pointers token by token, numbers as numbers: /env/9 before /env/10. */
  static int byPosition(String a, String b) {
    String[] left = a.split("/", -1);
    String[] right = b.split("/", -1);
    for (int i = 0; i < Math.min(left.length, right.length); i++) {
      int order = left[i].matches("\\d+") && right[i].matches("\\d+")
          ? Long.compare(Long.parseLong(left[i]), Long.parseLong(right[i]))
          : left[i].compareTo(right[i]);
      if (order != 0) {
        return order;
      }
    }
    return Integer.compare(left.length, right.length);
  }

  /** Lays every value of {@code top} over {@code base}: maps key by key, lists of equal length item by item. */
  static void overlay(ObjectNode base, JsonNode top) {
    top.fields().forEachRemaining(field -> {
      JsonNode under = base.get(field.getKey());
      JsonNode over = field.getValue();
      if (under instanceof ObjectNode map && over.isObject()) {
        overlay(map, over);
      } else if (under instanceof ArrayNode list && over.isArray() && list.size() == over.size()) {
        for (int i = 0; i < list.size(); i++) {
          if (list.get(i) instanceof ObjectNode item && over.get(i).isObject()) {
            overlay(item, over.get(i));
          } else {
            list.set(i, over.get(i));
          }
        }
      } else {
        base.set(field.getKey(), over.deepCopy());
      }
    });
  }
}
