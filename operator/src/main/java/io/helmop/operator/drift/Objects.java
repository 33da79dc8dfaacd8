package io.helmop.operator.drift;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Reaching an object of any kind through fabric8's generic client, and converting it to and from JSON. */
final class Objects {
  private static final ObjectMapper SORTED_KEYS = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
          JsonInclude.Include.NON_NULL))
      .build();

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

  /**
   * The object without what the server and controllers change all the time (status, resourceVersion,
   * managedFields): what drift can be made of.
   */
  static JsonNode withoutBookkeeping(KubernetesClient client, GenericKubernetesResource object) {
    ObjectNode json = (ObjectNode) json(client, object);
    json.remove("status");
    ObjectNode metadata = (ObjectNode) json.get("metadata");
    if (metadata != null) {
      metadata.remove("resourceVersion");
      metadata.remove("managedFields");
    }
    return json;
  }

  /**
   * A short stand-in for {@link #withoutBookkeeping}, to tell later whether the object changed. The same object
   * can come with its fields in another order, and with or without null fields (a GET of a Deployment has
   * {@code spec.template.metadata.creationTimestamp: null}, its watch events do not): keys are sorted and
   * nulls left out.
   */
  static String fingerprint(JsonNode withoutBookkeeping) {
    try {
      byte[] canonical = SORTED_KEYS.writeValueAsBytes(SORTED_KEYS.treeToValue(withoutBookkeeping, Object.class));
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot fingerprint an object", e);
    }
  }

  static GenericKubernetesResource resource(KubernetesClient client, JsonNode object) {
    return client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
  }
}
