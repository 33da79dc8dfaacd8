package io.helmop.operator.values;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helmop.api.v1alpha1.HelmRelease;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values helmop hands to Helm, on top of the chart's own defaults (which Helm merges itself).
 * Today: inline spec.values.
 */
public class ValuesComposer {
  private static final ObjectMapper JSON = new ObjectMapper();

  @SuppressWarnings("unchecked")
  public Map<String, Object> compose(HelmRelease release) {
    ObjectNode inline = release.getSpec().getValues();
    if (inline == null) {
      return new LinkedHashMap<>();
    }
    return JSON.convertValue(inline, LinkedHashMap.class);
  }
}
