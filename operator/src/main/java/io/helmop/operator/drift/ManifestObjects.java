package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The objects of a rendered Helm manifest (the `---`-separated YAML Helm stores in its release record). */
final class ManifestObjects {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ManifestObjects() {}

  static List<ObjectNode> parse(String manifest) {
    List<ObjectNode> objects = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(manifest)) {
      var documents = YAML.readValues(parser, JsonNode.class);
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        if (document instanceof ObjectNode object && object.hasNonNull("kind")) {
          objects.add(withoutNulls(object));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Helm's stored manifest is not readable YAML", e);
    }
    return objects;
  }

  /**
   * A template that renders a key with nothing under it (`annotations:` when no annotation is set, common in
   * public charts) gives a null. The API server stores such a field as absent, so the object as applied has no
   * null anywhere: dropping them (in maps; list items are kept as they are) makes the manifest object compare
   * with the live one, and lets the check add its own labels under a `labels:` that rendered empty.
   */
  static ObjectNode withoutNulls(ObjectNode object) {
    var fields = object.fields();
    while (fields.hasNext()) {
      JsonNode value = fields.next().getValue();
      if (value.isNull()) {
        fields.remove();
      } else if (value instanceof ObjectNode map) {
        withoutNulls(map);
      } else if (value.isArray()) {
        value.forEach(item -> {
          if (item instanceof ObjectNode map) {
            withoutNulls(map);
          }
        });
      }
    }
    return object;
  }
}
