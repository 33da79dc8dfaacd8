package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class InstallSpec {
  @JsonPropertyDescription("Create targetNamespace if it does not exist (like `helm install --create-namespace`).")
  @Default("false")
  private Boolean createNamespace = false;

  @JsonPropertyDescription("How many times a failed install is retried (with exponential backoff) before helmop "
      + "gives up with Stalled=True, reason RetriesExhausted, until the spec or the values change. 0: one attempt "
      + "only; -1: retry forever (with the backoff, up to 5 min between attempts).")
  @Default("3")
  @Min(-1)
  private Integer retries = 3;

  public Integer getRetries() { return retries; }
  public void setRetries(Integer retries) { this.retries = retries; }
  public Boolean getCreateNamespace() { return createNamespace; }
  public void setCreateNamespace(Boolean createNamespace) { this.createNamespace = createNamespace; }
}
