package io.helmop.operator.postrender;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helmop.api.v1alpha1.ImageOverride;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kustomize's image transformer: every {@code image} of a container or initContainer, anywhere in an object
 * (a Deployment's pod template, a CronJob's job template, a Pod), whose name matches an override gets the new
 * name, tag or digest. An override that matches no image changes nothing, as in Kustomize.
 */
final class ImageOverrides {
  // the distribution reference grammar, simplified: lower-case path components, optional registry host:port
  private static final Pattern NAME = Pattern.compile(
      "([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+([+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}");

  private ImageOverrides() {}

  /** Checks an override before it is used; {@code field} is e.g. spec.postRenderers[0].kustomize.images[1]. */
  static void validate(ImageOverride image, String field) throws PostRenderException {
    if (image.getName() == null || image.getName().isBlank()) {
      throw new PostRenderException(field + ".name is empty: name the image to override as the chart names it "
          + "(without tag or digest), e.g. nginx.");
    }
    if (image.getNewName() == null && image.getNewTag() == null && image.getDigest() == null) {
      throw new PostRenderException(field + " (name " + image.getName() + ") sets none of newName, newTag and "
          + "digest: set at least one, or remove the override.");
    }
    if (image.getNewName() != null && !NAME.matcher(image.getNewName()).matches()) {
      throw new PostRenderException(field + ".newName '" + image.getNewName() + "' is not an image name (lower-case "
          + "path components such as registry.example:5000/team/app, without tag or digest).");
    }
    if (image.getNewTag() != null && !TAG.matcher(image.getNewTag()).matches()) {
      throw new PostRenderException(field + ".newTag '" + image.getNewTag() + "' is not an image tag (up to 128 "
          + "letters, digits, '_', '.' and '-', not starting with '.' or '-').");
    }
    if (image.getDigest() != null && !DIGEST.matcher(image.getDigest()).matches()) {
      throw new PostRenderException(field + ".digest '" + image.getDigest() + "' is not a digest: write it as "
          + "sha256:<64 hex digits>.");
    }
  }

  static void apply(JsonNode node, List<ImageOverride> images) {
    if (node instanceof ObjectNode object) {
      object.fields().forEachRemaining(field -> {
        if ((field.getKey().equals("containers") || field.getKey().equals("initContainers"))
            && field.getValue() instanceof ArrayNode containers) {
          for (JsonNode container : containers) {
            if (container instanceof ObjectNode c && c.path("image").isTextual()) {
              c.put("image", override(c.get("image").asText(), images));
            }
          }
        }
        apply(field.getValue(), images);
      });
    } else if (node instanceof ArrayNode list) {
      list.forEach(item -> apply(item, images));
    }
  }

  static String override(String image, List<ImageOverride> images) {
    String name = image;
    String digest = null;
    int at = name.indexOf('@');
    if (at >= 0) {
      digest = name.substring(at + 1);
      name = name.substring(0, at);
    }
    String tag = null;
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      tag = name.substring(colon + 1);
      name = name.substring(0, colon);
    }
    for (ImageOverride override : images) {
      if (!override.getName().equals(name)) {
        continue;
      }
      if (override.getNewName() != null) {
        name = override.getNewName();
      }
      if (override.getNewTag() != null) {
        tag = override.getNewTag();
        digest = null;
      }
      if (override.getDigest() != null) {
        digest = override.getDigest();
        tag = null;
      }
      return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
    return image;
  }
}
