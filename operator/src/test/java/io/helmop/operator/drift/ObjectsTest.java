package io.helmop.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ObjectsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aGetAndAWatchEventOfTheSameObjectHaveOneFingerprint() throws Exception {
    // as a GET returns a Deployment: a null creationTimestamp in the pod template, fields in the server's order
    JsonNode got = JSON.readTree("""
        {"kind": "Deployment", "metadata": {"name": "web", "labels": {"a": "1", "b": "2"}},
         "spec": {"replicas": 1, "template": {"metadata": {"creationTimestamp": null}, "spec": {}}}}""");
    // the same object from a watch event: no null, another order
    JsonNode watched = JSON.readTree("""
        {"spec": {"template": {"spec": {}, "metadata": {}}, "replicas": 1},
         "metadata": {"labels": {"b": "2", "a": "1"}, "name": "web"}, "kind": "Deployment"}""");

    assertThat(Objects.fingerprint(watched)).isEqualTo(Objects.fingerprint(got));
  }

  @Test
  void anEditChangesTheFingerprint() throws Exception {
    JsonNode before = JSON.readTree("""
        {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1, "paused": false}}""");

    assertThat(Objects.fingerprint(JSON.readTree("""
        {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 3, "paused": false}}""")))
        .isNotEqualTo(Objects.fingerprint(before));
    assertThat(Objects.fingerprint(JSON.readTree("""
        {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1}}""")))
        .as("a field removed").isNotEqualTo(Objects.fingerprint(before));
    assertThat(Objects.fingerprint(JSON.readTree("""
        {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1, "paused": false,
         "minReadySeconds": 5}}""")))
        .as("a field added").isNotEqualTo(Objects.fingerprint(before));
  }
}
