package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** Identifies one object of a release: what `kubectl get KIND -n NAMESPACE NAME` names. */
public record ObjectRef(String apiVersion, String kind, String namespace, String name) {

  /** A manifest object: a namespaced one without a namespace of its own goes to the release's namespace. */
  static ObjectRef of(JsonNode object, ResourceDefinitionContext resource, String releaseNamespace) {
    String namespace = null;
    if (resource.isNamespaceScoped()) {
      String own = object.path("metadata").path("namespace").asText("");
      namespace = own.isEmpty() ? releaseNamespace : own;
    }
    return of(object, namespace);
  }

  private static ObjectRef of(JsonNode object, String namespace) {
    return new ObjectRef(object.path("apiVersion").asText(), object.path("kind").asText(), namespace,
        object.path("metadata").path("name").asText());
  }

  /** The API group: "" for the core group (apiVersion v1), else the part before the slash. */
  public String group() {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  /** As people read it: {@code Deployment payments/payment-service}, {@code ClusterRole reader}. */
  @Override
  public String toString() {
    return kind + " " + (namespace == null ? "" : namespace + "/") + name;
  }
}
