package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** How the release is uninstalled when the HelmRelease is deleted, as Flux's spec.uninstall. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UninstallSpec {
  @JsonPropertyDescription("Keep Helm's release records after the uninstall (`helm uninstall --keep-history`): "
      + "`helm history` still shows the release, as uninstalled.")
  @Default("false")
  private Boolean keepHistory = false;

  @JsonPropertyDescription("Do not run the chart's pre-delete and post-delete hooks (`helm uninstall --no-hooks`).")
  @Default("false")
  private Boolean disableHooks = false;

  @JsonPropertyDescription("Do not wait for the release's objects to be gone. helm-java 0.0.21's uninstall never "
      + "waits (Helm's default), so true is what helmop does anyway; false is accepted and means the same.")
  private Boolean disableWait;

  @JsonPropertyDescription("Flux's uninstall.timeout. helm-java 0.0.21's uninstall takes no timeout: a value is "
      + "refused with Stalled=True, reason InvalidSpec; leave it unset.")
  @Pattern(HelmReleaseSpec.DURATION_PATTERN)
  private String timeout;

  @JsonPropertyDescription("How the release's objects' dependents are deleted (`helm uninstall --cascade`): "
      + "background (default), foreground (wait for dependents, then the owner) or orphan (leave dependents).")
  @Default("background")
  @Pattern("^(background|foreground|orphan)$")
  private String deletionPropagation = "background";

  public Boolean getKeepHistory() { return keepHistory; }
  public void setKeepHistory(Boolean keepHistory) { this.keepHistory = keepHistory; }
  public Boolean getDisableHooks() { return disableHooks; }
  public void setDisableHooks(Boolean disableHooks) { this.disableHooks = disableHooks; }
  public Boolean getDisableWait() { return disableWait; }
  public void setDisableWait(Boolean disableWait) { this.disableWait = disableWait; }
  public String getTimeout() { return timeout; }
  public void setTimeout(String timeout) { this.timeout = timeout; }
  public String getDeletionPropagation() { return deletionPropagation; }
  public void setDeletionPropagation(String deletionPropagation) { this.deletionPropagation = deletionPropagation; }
}
