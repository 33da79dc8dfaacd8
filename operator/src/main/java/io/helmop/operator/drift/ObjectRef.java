package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;

/** Identifies one object of a release: what `kubectl get KIND -n NAMESPACE NAME` names. */
public record ObjectRef(String apiVersion, String kind, String namespace, String name) {

  static ObjectRef of(JsonNode object, String namespace) {
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
