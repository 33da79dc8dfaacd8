package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** atomic, wait and timeout apply to installs too unless spec.install sets its own. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpgradeSpec {
  @JsonPropertyDescription("Roll back (or, for a first install, uninstall) when the release does not become ready "
      + "within the timeout, like `helm upgrade --atomic`. Keeps the last good release serving. false: the failed "
      + "revision stays and the next retry upgrades from it (remediation by retry, without rollback).")
  @Default("true")
  private Boolean atomic = true;

  @JsonPropertyDescription("Wait until the release's Deployments, StatefulSets, DaemonSets, Services and PVCs are ready "
      + "before calling the release successful, like `helm upgrade --wait`. Helm's atomic mode always waits, so "
      + "an upgrade that does not wait is not atomic either.")
  @Default("true")
  private Boolean wait = true;

  @JsonPropertyDescription("How long Helm waits for the release to become ready (and each hook to finish). "
      + "Go duration; choose longer than your slowest pod start-up.")
  @Default("5m")
  @Pattern(HelmReleaseSpec.DURATION_PATTERN)
  private String timeout = "5m";

  @JsonPropertyDescription("Delete the objects a failed upgrade created, like `helm upgrade --cleanup-on-fail`.")
  @Default("true")
  private Boolean cleanupOnFail = true;

  @JsonPropertyDescription("How many times a failed upgrade is retried (with exponential backoff) before helmop "
      + "gives up with Stalled=True, reason RetriesExhausted, until the spec or the values change. Each failed "
      + "attempt is rolled back (atomic), so the last good revision keeps serving. 0: one attempt only; -1: retry "
      + "forever (with the backoff, up to 5 min between attempts). With atomic: false a failed attempt is not rolled "
      + "back and the next one upgrades from it (retry without rollback).")
  @Default("3")
  @Min(-1)
  private Integer retries = 3;

  @JsonPropertyDescription("The CustomResourceDefinitions of the chart's crds/ folder on upgrade: Skip (default, as "
      + "`helm upgrade`: never touched), Create (create those that do not exist) or CreateReplace (also replace "
      + "existing ones with the chart's, so a chart's CRD changes reach the cluster). Replacing a CRD can drop a "
      + "version or field that stored objects use: choose it for charts whose CRDs only grow.")
  @Default("Skip")
  private CrdPolicy crds = CrdPolicy.Skip;

  @JsonPropertyDescription("Do not wait for the release's objects to become ready (as Flux's upgrade.disableWait); "
      + "true overrides wait.")
  private Boolean disableWait;

  @JsonPropertyDescription("Flux's upgrade.disableWaitForJobs. helmop does not wait for the release's Jobs to "
      + "complete (helm-java 0.0.21 cannot pass Helm's --wait-for-jobs): true (or unset) is what it does; false is "
      + "refused with Stalled=True, reason InvalidSpec.")
  private Boolean disableWaitForJobs;

  @JsonPropertyDescription("Do not run the chart's hooks on upgrade (Flux's upgrade.disableHooks, `helm upgrade "
      + "--no-hooks`). helm-java 0.0.21 has no --no-hooks, so Helm gets the chart rendered by helmop without its "
      + "hooks, as with spec.postRenderers (`lookup` answers when helmop renders, not when Helm installs; see "
      + "docs/postrender.md). "
      + "Default false.")
  private Boolean disableHooks;

  @JsonPropertyDescription("Do not validate the rendered objects against the cluster's OpenAPI schema on upgrade "
      + "(`helm upgrade --disable-openapi-validation`).")
  private Boolean disableOpenAPIValidation;

  @JsonPropertyDescription("Do not validate the values against the chart's values.schema.json (nor its "
      + "subcharts') on upgrade: helmop gives Helm a copy of the chart without those files.")
  private Boolean disableSchemaValidation;

  @JsonPropertyDescription("Replace objects that cannot be patched by deleting and creating them "
      + "(`helm upgrade --force`). Pods restart; use it for immutable fields only.")
  private Boolean force;

  @JsonPropertyDescription("Keep the values of the running revision and merge the spec's values over them "
      + "(`helm upgrade --reuse-values`). Default false: the spec's values are the whole truth (--reset-values), "
      + "so a value removed from the spec goes back to the chart's default.")
  private Boolean preserveValues;

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
  public Boolean getForce() { return force; }
  public void setForce(Boolean force) { this.force = force; }
  public Boolean getPreserveValues() { return preserveValues; }
  public void setPreserveValues(Boolean preserveValues) { this.preserveValues = preserveValues; }
  public CrdPolicy getCrds() { return crds; }
  public void setCrds(CrdPolicy crds) { this.crds = crds; }
  public Integer getRetries() { return retries; }
  public void setRetries(Integer retries) { this.retries = retries; }
  public Boolean getAtomic() { return atomic; }
  public void setAtomic(Boolean atomic) { this.atomic = atomic; }
  public Boolean getWait() { return wait; }
  public void setWait(Boolean wait) { this.wait = wait; }
  public String getTimeout() { return timeout; }
  public void setTimeout(String timeout) { this.timeout = timeout; }
  public Boolean getCleanupOnFail() { return cleanupOnFail; }
  public void setCleanupOnFail(Boolean cleanupOnFail) { this.cleanupOnFail = cleanupOnFail; }
}
