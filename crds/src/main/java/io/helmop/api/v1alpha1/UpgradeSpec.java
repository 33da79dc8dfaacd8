package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Applies to installs too: an install is the first upgrade. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpgradeSpec {
  @JsonPropertyDescription("Roll back (or, for a first install, uninstall) when the release does not become ready "
      + "within the timeout, like `helm upgrade --atomic`. Keeps the last good release serving. false: the failed "
      + "revision stays and the next retry upgrades from it (remediation by retry, without rollback).")
  @Default("true")
  private Boolean atomic = true;

  @JsonPropertyDescription("Wait until the release's Deployments, StatefulSets, DaemonSets, Services and PVCs are ready "
      + "before calling the release successful, like `helm upgrade --wait`.")
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
