package io.helmop.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestObjectsTest {
  /** What a public chart's template gives when a map it ranges over is empty: keys with nothing under them. */
  private static final String MANIFEST = """
      ---
      # Source: web/templates/deployment.yaml
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        labels:
        annotations:
      spec:
        replicas: 1
        template:
          metadata:
            annotations:
          spec:
            nodeSelector: {}
            volumes:
            - name: scratch
              emptyDir: {}
            containers:
            - name: web
              image: web:1.0
              env:
              - name: A
                value:
      """;

  @Test
  void keysWithNothingUnderThemAreDroppedAndEmptyMapsKept() {
    List<ObjectNode> objects = ManifestObjects.parse(MANIFEST);

    assertThat(objects).singleElement().satisfies(deployment -> {
      assertThat(deployment.at("/metadata").has("labels")).isFalse();
      assertThat(deployment.at("/metadata").has("annotations")).isFalse();
      assertThat(deployment.at("/spec/template/metadata").has("annotations")).isFalse();
      assertThat(deployment.at("/spec/template/spec/containers/0/env/0").has("value")).isFalse();
      assertThat(deployment.at("/spec/template/spec/containers/0/env/0/name").asText()).isEqualTo("A");
      // an empty map can mean something (an emptyDir volume): it stays
      assertThat(deployment.at("/spec/template/spec/volumes/0/emptyDir").isObject()).isTrue();
      assertThat(deployment.at("/spec/template/spec/nodeSelector").isObject()).isTrue();
      assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(1);
      // what the drift check does with every object: add its label under metadata.labels
      deployment.with("metadata").with("labels").put(ReleaseLabel.KEY, "ns.web");
      assertThat(deployment.at("/metadata/labels/" + ReleaseLabel.KEY.replace("/", "~1")).asText()).isEqualTo("ns.web");
    });
  }
}
