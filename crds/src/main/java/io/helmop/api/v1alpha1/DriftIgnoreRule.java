package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftIgnoreRule {
  @JsonPropertyDescription("Which objects of the release the rule applies to; every field left out matches all.")
  private DriftTarget target;

  @Required
  @JsonPropertyDescription("JSON pointers (RFC 6901) of the fields to ignore, e.g. /spec/replicas; everything "
      + "under a pointer is ignored too.")
  private List<String> paths;

  public DriftTarget getTarget() { return target; }
  public void setTarget(DriftTarget target) { this.target = target; }
  public List<String> getPaths() { return paths; }
  public void setPaths(List<String> paths) { this.paths = paths; }
}
