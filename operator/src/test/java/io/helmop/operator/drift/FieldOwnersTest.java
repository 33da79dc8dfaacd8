package io.helmop.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class FieldOwnersTest {
  /**
   * A Deployment as the API server returns it (managedFields abridged): Helm created it, an autoscaler scaled it,
   * a person set an image and added an env var with kubectl, cert-manager's cainjector would write the same way.
   */
  private static final JsonNode LIVE = read("""
      {"apiVersion": "apps/v1", "kind": "Deployment",
       "metadata": {"name": "web", "labels": {"app": "web"},
        "managedFields": [
         {"manager": "helm", "operation": "Update", "fieldsV1": {
           "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
           "f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\\"name\\":\\"web\\"}": {".": {}, "f:name": {},
             "f:ports": {"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}": {".": {}, "f:containerPort": {}}}}},
             "f:tolerations": {}}}}}},
         {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale",
          "fieldsV1": {"f:spec": {"f:replicas": {}}}},
         {"manager": "kubectl-set", "operation": "Update", "fieldsV1": {
           "f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\\"name\\":\\"web\\"}": {
             "f:image": {}, "f:env": {"k:{\\"name\\":\\"DEBUG\\"}": {".": {}, "f:name": {}, "f:value": {}}}}}}}}}},
         {"manager": "tagger", "operation": "Update", "fieldsV1": {
           "f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\\"name\\":\\"web\\"}": {
             "f:args": {"v:\\"--verbose\\"": {}}}}}}}}}]},
       "spec": {"replicas": 5,
        "template": {"spec": {
         "tolerations": [{"key": "a"}],
         "containers": [{"name": "web", "image": "web:evil", "args": ["--port=1", "--verbose"],
          "ports": [{"containerPort": 8080, "protocol": "TCP"}],
          "env": [{"name": "DEBUG", "value": "1"}]}]}}}}
      """);

  @Test
  void theWriterOfEachFieldIsFoundThroughMapKeysListKeysAndSetValues() {
    assertThat(FieldOwners.of(LIVE, "/spec/replicas")).containsExactly("kube-controller-manager");
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/containers/0/image")).containsExactly("kubectl-set");
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/containers/0/env/0")).containsExactly("kubectl-set");
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/containers/0/env/0/value")).containsExactly("kubectl-set");
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/containers/0/ports/0/containerPort"))
        .containsExactly("helm");
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/containers/0/args/1")).containsExactly("tagger");
    assertThat(FieldOwners.of(LIVE, "/metadata/labels/app")).containsExactly("helm");
    // an atomic list is owned whole
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/tolerations")).containsExactly("helm");
  }

  @Test
  void aFieldNobodyWroteHasNoOwner() {
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/containers/0/args/0")).isEmpty();
    assertThat(FieldOwners.of(LIVE, "/spec/paused")).isEmpty();
    assertThat(FieldOwners.of(LIVE, "/spec/template/spec/containers/3/image")).isEmpty();
  }

  private static JsonNode read(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
