package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

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

  @JsonPropertyDescription("Uninstall a failed install (and, with spec.test.enable, one whose tests failed), like "
      + "`helm install --atomic`, so the next retry starts clean. Unset: spec.upgrade.atomic (default true).")
  private Boolean atomic;

  @JsonPropertyDescription("How long Helm waits for the first install to become ready (and each hook to finish). Go "
      + "duration. Unset: spec.upgrade.timeout (default 5m).")
  @Pattern(HelmReleaseSpec.DURATION_PATTERN)
  private String timeout;

  @JsonPropertyDescription("Do not wait for the release's objects to become ready before calling the install "
      + "successful (as Flux's install.disableWait; `helm install` without --wait). Helm's atomic mode always "
      + "waits, so an install that does not wait is not atomic either. Unset: the opposite of spec.upgrade.wait "
      + "(default: wait).")
  private Boolean disableWait;

  @JsonPropertyDescription("Flux's install.disableWaitForJobs. helmop does not wait for the release's Jobs to "
      + "complete (helm-java 0.0.21 cannot pass Helm's --wait-for-jobs): true (or unset) is what it does; false is "
      + "refused with Stalled=True, reason InvalidSpec.")
  private Boolean disableWaitForJobs;

  @JsonPropertyDescription("Do not run the chart's hooks on install (Flux's install.disableHooks, `helm install "
      + "--no-hooks`). helm-java 0.0.21 has no --no-hooks, so Helm gets the chart rendered by helmop without its "
      + "hooks, as with spec.postRenderers (`lookup` answers when helmop renders, not when Helm installs; see "
      + "docs/postrender.md). "
      + "Default false.")
  private Boolean disableHooks;

  @JsonPropertyDescription("Do not validate the rendered objects against the cluster's OpenAPI schema on install "
      + "(`helm install --disable-openapi-validation`).")
  private Boolean disableOpenAPIValidation;

  @JsonPropertyDescription("Do not validate the values against the chart's values.schema.json (nor its "
      + "subcharts') on install: helmop gives Helm a copy of the chart without those files.")
  private Boolean disableSchemaValidation;

  @JsonPropertyDescription("Flux's install.replace (`helm install --replace`, reuse the name of a deleted release "
      + "whose history was kept). helm-java 0.0.21 cannot pass it: true is refused with Stalled=True, reason "
      + "InvalidSpec.")
  private Boolean replace;

  public Boolean getAtomic() { return atomic; }
  public void setAtomic(Boolean atomic) { this.atomic = atomic; }
  public String getTimeout() { return timeout; }
  public void setTimeout(String timeout) { this.timeout = timeout; }
  public Boolean getDisableWait() { return disableWait; }
  public void setDisableWait(Boolean disableWait) { this.disableWait = disableWait; }
  public Boolean getDisableWaitForJobs() { return disableWaitForJobs; }
  public void setDisableWaitForJobs(Boolean disableWaitForJobs) { this.disableWaitForJobs = disableWaitForJobs; }
  public Boolean getDisableHooks() { return disableHooks; }
  public void setDisableHooks(Boolean disableHooks) { this.disableHooks = disableHooks; }
  public Boolean getDisableOpenAPIValidation() { return disableOpenAPIValidation; }
  public void setDisableOpenAPIValidation(Boolean value) { this.disableOpenAPIValidation = value; }
  public Boolean getDisableSchemaValidation() { return disableSchemaValidation; }
  public void setDisableSchemaValidation(Boolean value) { this.disableSchemaValidation = value; }
  public Boolean getReplace() { return replace; }
  public void setReplace(Boolean replace) { this.replace = replace; }
  public CrdPolicy getCrds() { return crds; }
  public void setCrds(CrdPolicy crds) { this.crds = crds; }
  public Integer getRetries() { return retries; }
  public void setRetries(Integer retries) { this.retries = retries; }
  public Boolean getCreateNamespace() { return createNamespace; }
  public void setCreateNamespace(Boolean createNamespace) { this.createNamespace = createNamespace; }
}
