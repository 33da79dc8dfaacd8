package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class InstallSpec {
  @JsonPropertyDescription("Create targetNamespace if it does not exist (like `helm install --create-namespace`).")
  @Default("false")
  private Boolean createNamespace = false;

  public Boolean getCreateNamespace() { return createNamespace; }
  public void setCreateNamespace(Boolean createNamespace) { this.createNamespace = createNamespace; }
}
