package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One post-renderer, in Flux's shape: only kustomize is supported. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PostRenderer {
  @JsonPropertyDescription("Patches and image overrides applied to what the chart renders, as Kustomize would "
      + "apply them, before Helm installs or upgrades.")
  private KustomizePostRenderer kustomize;

  public KustomizePostRenderer getKustomize() { return kustomize; }
  public void setKustomize(KustomizePostRenderer kustomize) { this.kustomize = kustomize; }
}
