package io.helmop.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helmop.operator.drift.DriftComparator.Difference;
import java.util.List;
import org.junit.jupiter.api.Test;

class DriftComparatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the chart renders. */
  private static final ObjectNode MANIFEST = parse("""
      {"apiVersion": "apps/v1", "kind": "Deployment",
       "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
         "spec": {"containers": [{"name": "web", "image": "web:1.0", "env": [{"name": "A", "value": "1"}]}]}}}}
      """);

  /** The same object as the server stores it: defaults added, server metadata, status. */
  private static ObjectNode stored() {
    ObjectNode object = MANIFEST.deepCopy();
    ObjectNode metadata = object.with("metadata");
    metadata.put("resourceVersion", "42").put("uid", "u-1");
    metadata.with("annotations").put("deployment.kubernetes.io/revision", "1");
    object.with("spec").put("revisionHistoryLimit", 10);
    container(object).put("imagePullPolicy", "IfNotPresent").put("terminationMessagePath", "/dev/termination-log");
    object.with("spec").with("template").with("spec").put("restartPolicy", "Always");
    object.with("status").put("readyReplicas", 2);
    return object;
  }

  private static ObjectNode container(ObjectNode object) {
    return (ObjectNode) object.at("/spec/template/spec/containers/0");
  }

  @Test
  void whatOnlyAFailedRevisionSetIsLeftOverAtItsTopMostMissingMember() {
    ObjectNode failed = MANIFEST.deepCopy();
    failed.with("spec").with("template").with("spec").putObject("nodeSelector").put("type", "nowhere");
    failed.with("spec").with("template").with("spec").putObject("affinity").putObject("nodeAffinity");
    failed.with("metadata").with("labels").put("tier", "canary");
    container(failed).put("image", "web:2.0"); // changed, not left over: the target sets it
    ((ArrayNode) container(failed).get("env")).addObject().put("name", "B").put("value", "2");
    ((ArrayNode) failed.at("/spec/template/spec/containers")).addObject().put("name", "sidecar");

    assertThat(DriftComparator.leftovers(MANIFEST, failed)).as("list elements are not told apart by position")
        .containsExactly("/metadata/labels/tier", "/spec/template/spec/affinity",
            "/spec/template/spec/nodeSelector");
    assertThat(DriftComparator.leftovers(MANIFEST, MANIFEST.deepCopy())).isEmpty();
  }

  @Test
  void aRestoreTakesOffSingleAnnotationsNeverTheWholeMapNorTheNamespace() {
    ObjectNode target = MANIFEST.deepCopy();
    target.with("metadata").remove("annotations");
    target.with("metadata").remove("namespace");
    ObjectNode failed = MANIFEST.deepCopy();
    failed.with("metadata").putObject("annotations").put("example.com/canary", "yes");
    failed.with("metadata").put("namespace", "apps");

    assertThat(DriftComparator.leftovers(target, failed)).containsExactly("/metadata/annotations/example.com~1canary");
  }

  @Test
  void anObjectAsStoredHasNoDrift() {
    ObjectNode live = stored();
    live.with("status").put("readyReplicas", 1);
    live.with("metadata").put("resourceVersion", "43");
    live.with("metadata").with("annotations").put("team", "payments"); // added live, not the chart's

    assertThat(compare(stored(), live, List.of())).isEmpty();
  }

  @Test
  void changedChartValuesAreDrift() {
    ObjectNode live = stored();
    container(live).put("image", "web:evil");
    live.with("spec").put("replicas", 5);
    live.with("metadata").with("labels").put("app", "other");

    assertThat(compare(stored(), live, List.of())).extracting(Difference::pointer).containsExactlyInAnyOrder(
        "/spec/template/spec/containers/0/image", "/spec/replicas", "/metadata/labels/app");
  }

  @Test
  void fieldsAddedLiveUnderChartPathsAreDriftToBeRemoved() {
    ObjectNode live = stored();
    ((ArrayNode) container(live).withArray("env")).addObject().put("name", "DEBUG").put("value", "true");
    live.with("spec").with("template").with("spec").with("nodeSelector").put("disk", "ssd");

    assertThat(compare(stored(), live, List.of())).containsExactlyInAnyOrder(
        new Difference("/spec/template/spec/containers/0/env/1", true),
        new Difference("/spec/template/spec/nodeSelector", true));
  }

  @Test
  void aDefaultedValueChangedLiveIsNotTheChartsBusiness() {
    ObjectNode live = stored();
    live.with("spec").put("revisionHistoryLimit", 3); // the chart leaves it to the server

    assertThat(compare(stored(), live, List.of())).isEmpty();
  }

  @Test
  void replicasLeftToAnAutoscalerAreNotDrift() {
    ObjectNode manifest = MANIFEST.deepCopy();
    manifest.with("spec").remove("replicas");
    ObjectNode expected = stored();
    expected.with("spec").put("replicas", 1); // the server's default
    ObjectNode live = stored();
    live.with("spec").put("replicas", 7);

    assertThat(DriftComparator.compare(manifest, expected, live, List.of())).isEmpty();
  }

  @Test
  void ignoredPathsAndWhatIsUnderThemAreSkipped() {
    ObjectNode live = stored();
    live.with("spec").put("replicas", 5);
    container(live).put("image", "web:2.0");

    assertThat(compare(stored(), live, List.of("/spec/replicas", "/spec/template/spec/containers")))
        .isEmpty();
  }

  @Test
  void removalOrderKeepsListIndexesValid() {
    List<String> pointers = new java.util.ArrayList<>(List.of("/a/9", "/a/10", "/b", "/a/2"));
    pointers.sort((x, y) -> JsonPointers.byPosition(y, x));

    assertThat(pointers).containsExactly("/b", "/a/10", "/a/9", "/a/2");
  }

  private static List<Difference> compare(JsonNode expected, JsonNode live, List<String> ignored) {
    return DriftComparator.compare(MANIFEST, expected, live, ignored);
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
