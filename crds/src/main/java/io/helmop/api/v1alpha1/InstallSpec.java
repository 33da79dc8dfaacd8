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

  @JsonPropertyDescription("The CustomResourceDefinitions of the chart's crds/ folder on install: Create (default, "
      + "as `helm install`: create those that do not exist), CreateReplace (also replace existing ones with the "
      + "chart's) or Skip (like `helm install --skip-crds`).")
  @Default("Create")
  private CrdPolicy crds = CrdPolicy.Create;

  public CrdPolicy getCrds() { return crds; }
  public void setCrds(CrdPolicy crds) { this.crds = crds; }
  public Integer getRetries() { return retries; }
  public void setRetries(Integer retries) { this.retries = retries; }
  public Boolean getCreateNamespace() { return createNamespace; }
  public void setCreateNamespace(Boolean createNamespace) { this.createNamespace = createNamespace; }
}
