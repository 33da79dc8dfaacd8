package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Another HelmRelease that must be Ready before this one is installed or upgraded. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DependencyReference {
  @JsonPropertyDescription("metadata.name of the HelmRelease this release depends on.")
  @Required
  private String name;

  @JsonPropertyDescription("Namespace of that HelmRelease. Defaults to this HelmRelease's namespace.")
  private String namespace;

  public DependencyReference() {}

  public DependencyReference(String name, String namespace) {
    this.name = name;
    this.namespace = namespace;
  }

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getNamespace() { return namespace; }
  public void setNamespace(String namespace) { this.namespace = namespace; }
}
