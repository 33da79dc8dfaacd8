package io.helmop.operator.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One object of a rendered chart, as Helm would send it: a manifest object or a hook.
 *
 * @param body the object
 * @param source the template that rendered it, e.g. payment-service/templates/deployment.yaml (null: unknown)
 * @param hook whether Helm runs it as a hook (annotation helm.sh/hook) rather than keeping it with the release
 */
public record RenderedObject(ObjectNode body, String source, boolean hook) {
  public static final String HOOK = "helm.sh/hook";
  public static final String HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy";

  public String apiVersion() {
    return body.path("apiVersion").asText("");
  }

  public String kind() {
    return body.path("kind").asText("");
  }

  public String name() {
    return body.path("metadata").path("name").asText("");
  }

  /** metadata.namespace, or null when the chart leaves it to the release's namespace. */
  public String namespace() {
    JsonNode namespace = body.path("metadata").path("namespace");
    return namespace.isTextual() && !namespace.asText().isBlank() ? namespace.asText() : null;
  }

  public Map<String, String> annotations() {
    Map<String, String> annotations = new LinkedHashMap<>();
    body.path("metadata").path("annotations").fields()
        .forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    return annotations;
  }

  /** The hook events (pre-install, post-upgrade, test, ...) of a hook; empty for a manifest object. */
  public List<String> hookEvents() {
    List<String> events = new ArrayList<>();
    String value = annotations().get(HOOK);
    if (value != null) {
      for (String event : value.split(",")) {
        if (!event.isBlank()) {
          events.add(event.strip());
        }
      }
    }
    return events;
  }

  /** How findings name it: "Deployment payment-service", "hook Job payment-service-migration-1". */
  public String describe() {
    return (hook ? "hook " : "") + kind() + " " + name();
  }

  /** The template path inside the chart, e.g. templates/deployment.yaml (the chart's own name left out). */
  public String template() {
    if (source == null) {
      return null;
    }
    int templates = source.lastIndexOf("/templates/");
    return templates < 0 ? source : source.substring(templates + 1);
  }
}
