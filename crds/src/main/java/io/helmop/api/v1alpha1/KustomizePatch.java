package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class KustomizePatch {
  @JsonPropertyDescription("The patch, as YAML or JSON: a strategic merge patch (a partial object; "
      + "`$patch: delete` removes a list item or map) or a JSON 6902 patch (a list of operations such as "
      + "{op: replace, path: /spec/replicas, value: 3}).")
  @Required
  private String patch;

  @JsonPropertyDescription("Which rendered objects the patch applies to; every field given must match.")
  private PatchTarget target;

  public String getPatch() { return patch; }
  public void setPatch(String patch) { this.patch = patch; }
  public PatchTarget getTarget() { return target; }
  public void setTarget(PatchTarget target) { this.target = target; }
}
