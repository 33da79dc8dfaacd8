package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** Reaching an object of any kind through fabric8's generic client, and converting it to and from JSON. */
final class Objects {
  private Objects() {}

  static Resource<GenericKubernetesResource> handle(KubernetesClient client, ResourceDefinitionContext resource,
      ObjectRef ref) {
    var all = client.genericKubernetesResources(resource);
    return ref.namespace() == null ? all.withName(ref.name()) : all.inNamespace(ref.namespace()).withName(ref.name());
  }

  /** The object {@code body} describes, for operations that send it (replace, apply). */
  static Resource<GenericKubernetesResource> withBody(KubernetesClient client, ResourceDefinitionContext resource,
      ObjectRef ref, JsonNode body) {
    var all = client.genericKubernetesResources(resource);
    GenericKubernetesResource object = resource(client, body);
    return ref.namespace() == null ? all.resource(object) : all.inNamespace(ref.namespace()).resource(object);
  }

  static JsonNode json(KubernetesClient client, GenericKubernetesResource object) {
    return client.getKubernetesSerialization().convertValue(object, JsonNode.class);
  }

  static GenericKubernetesResource resource(KubernetesClient client, JsonNode object) {
    return client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
  }
}
