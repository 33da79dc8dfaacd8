package io.helmop.operator.release;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * A chart rendered with a release's values, as the preflight checks it.
 *
 * @param objects the manifest's objects and the hooks, in Helm's order
 * @param hooksRendered false when the hooks could not be read (they are then missing from {@code objects})
 * @param chartValues the chart's own values.yaml (its defaults), for the rules that read values
 * @param chartCrds the CustomResourceDefinitions in the crds/ folders of the chart and its subcharts, which Helm
 *     installs before the templates
 */
public record RenderedRelease(List<RenderedObject> objects, boolean hooksRendered, Map<String, Object> chartValues,
    List<ObjectNode> chartCrds) {

  public static RenderedRelease of(List<RenderedObject> objects) {
    return new RenderedRelease(objects, true, Map.of(), List.of());
  }

  public List<RenderedObject> hooks() {
    return objects.stream().filter(RenderedObject::hook).toList();
  }
}
