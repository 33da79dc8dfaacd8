package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class KustomizePostRenderer {
  @JsonPropertyDescription("Patches applied in order. Each is a strategic merge patch (a partial object, YAML or "
      + "JSON) or a JSON 6902 patch (a list of {op, path, value}); with a target it applies to every rendered "
      + "object the target selects, without one a strategic merge patch applies to the object of its own "
      + "apiVersion, kind and metadata.name. A patch that selects no object stalls the release.")
  private List<KustomizePatch> patches;

  @JsonPropertyDescription("Image overrides applied to the containers and initContainers of every rendered object.")
  private List<ImageOverride> images;

  public List<KustomizePatch> getPatches() { return patches; }
  public void setPatches(List<KustomizePatch> patches) { this.patches = patches; }
  public List<ImageOverride> getImages() { return images; }
  public void setImages(List<ImageOverride> images) { this.images = images; }
}
