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
          objects.add(object);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Helm's stored manifest is not readable YAML", e);
    }
    return objects;
  }
}
