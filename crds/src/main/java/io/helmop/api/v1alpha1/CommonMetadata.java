package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CommonMetadata {
  @JsonPropertyDescription("Labels added to every object the release makes (hooks included); they win over the "
      + "chart's labels of the same key.")
  private Map<String, String> labels;

  @JsonPropertyDescription("Annotations added to every object the release makes (hooks included); they win over "
      + "the chart's annotations of the same key.")
  private Map<String, String> annotations;

  public Map<String, String> getLabels() { return labels; }
  public void setLabels(Map<String, String> labels) { this.labels = labels; }
  public Map<String, String> getAnnotations() { return annotations; }
  public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
}
