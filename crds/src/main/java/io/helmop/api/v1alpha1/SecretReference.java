package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A Secret in the HelmRelease's own namespace (never another namespace's). */
public class SecretReference {
  @JsonPropertyDescription("Name of the Secret, in the HelmRelease's namespace.")
  @Required
  private String name;

  public SecretReference() {}

  public SecretReference(String name) {
    this.name = name;
  }

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
}
