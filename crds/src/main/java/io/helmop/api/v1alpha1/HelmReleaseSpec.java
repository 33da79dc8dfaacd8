package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HelmReleaseSpec {
  /** Go-style durations as Helm and kubectl write them: 30s, 5m, 1h30m (whole numbers). */
  public static final String DURATION_PATTERN = "^([0-9]+(ms|s|m|h))+$";

  @Required
  @JsonPropertyDescription("Where the chart comes from and which version to use.")
  private ChartSpec chart;

  @JsonPropertyDescription("Name of the Helm release (what `helm list` shows). Defaults to metadata.name. "
      + "Keep it stable: renaming a release installs a new one.")
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  private String releaseName;

  @JsonPropertyDescription("Namespace the release is installed into. Defaults to the HelmRelease's own namespace.")
  private String targetNamespace;

  @JsonPropertyDescription("ServiceAccount of this namespace whose rights every API request made for the release "
      + "uses (Helm's install, upgrade, rollback, uninstall and `lookup`, Helm's release records, drift checks and "
      + "corrections): helmop impersonates system:serviceaccount:<namespace>:<name>. Unset: the operator's "
      + "--default-service-account, or, when that is not set either, the operator's own rights.")
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  private String serviceAccountName;

  @JsonPropertyDescription("Values files inside the chart, merged in order over the chart's defaults, e.g. "
      + "[values.yaml, values-production.yaml] (like `helm -f`).")
  private List<String> valuesFiles;

  @JsonPropertyDescription("Values from ConfigMaps and Secrets of this namespace, merged in order over "
      + "valuesFiles. Secret contents never appear in status, events or logs.")
  private List<ValuesReference> valuesFrom;

  @JsonPropertyDescription("Inline values, merged last, over the chart's defaults, valuesFiles and valuesFrom. "
      + "Never put secret values here: they end up in Git.")
  @PreserveUnknownFields
  private ObjectNode values;

  @JsonPropertyDescription("HelmReleases that must be Ready (for their current generation) before this release is "
      + "installed or upgraded, e.g. a foundation release with the Secrets and CRDs an app needs. A foundation "
      + "is uninstalled only after the releases that depend on it are gone.")
  private List<DependencyReference> dependsOn;

  @JsonPropertyDescription("Options for the first install of the release.")
  private InstallSpec install;

  @JsonPropertyDescription("Options for upgrades. The defaults are the safe ones: atomic, wait, 5m timeout.")
  private UpgradeSpec upgrade;

  @JsonPropertyDescription("The chart's tests (`helm test`) after each install and upgrade, as Flux's spec.test.")
  private TestSpec test;

  @JsonPropertyDescription("How the release is uninstalled when the HelmRelease is deleted.")
  private UninstallSpec uninstall;

  @JsonPropertyDescription("Whether helmop detects live edits of the release's objects (kubectl edit, kubectl delete) "
      + "and undoes them. Default: detect and undo at once.")
  private DriftDetectionSpec driftDetection;

  @JsonPropertyDescription("The production checklist rules (probes, resources, no secrets in values, bounded "
      + "hooks, image tags, ...) checked on the rendered chart before every install and upgrade, and whether a "
      + "violation blocks the release (Enforce), is reported (Warn) or is not checked (Disabled).")
  private PolicySpec policy;

  @JsonPropertyDescription("How often helmop re-checks the release and its chart source even when nothing changed "
      + "(a safety net: changes to the HelmRelease are acted on at once). Go duration, e.g. 10m; at least 5s.")
  @Default("10m")
  @Pattern(DURATION_PATTERN)
  private String interval = "10m";

  @JsonPropertyDescription("How many revisions Helm keeps for this release and status.history lists.")
  @Default("10")
  @Min(1)
  @Max(100)
  private Integer maxHistory = 10;

  @JsonPropertyDescription("When true, helmop takes no action on this release (no install, upgrade or uninstall) "
      + "until it is set back to false.")
  @Default("false")
  private Boolean suspend = false;

  @JsonPropertyDescription("Post-renderers applied in order to what the chart renders (hooks included), before "
      + "Helm installs or upgrades: Kustomize patches and image overrides. Helm's release record, `helm get "
      + "manifest` and drift detection all see the post-rendered objects.")
  private List<PostRenderer> postRenderers;

  @JsonPropertyDescription("Labels and annotations put on every object the release makes, after the "
      + "post-renderers.")
  private CommonMetadata commonMetadata;

  public ChartSpec getChart() { return chart; }
  public void setChart(ChartSpec chart) { this.chart = chart; }
  public String getReleaseName() { return releaseName; }
  public void setReleaseName(String releaseName) { this.releaseName = releaseName; }
  public String getTargetNamespace() { return targetNamespace; }
  public void setTargetNamespace(String targetNamespace) { this.targetNamespace = targetNamespace; }
  public String getServiceAccountName() { return serviceAccountName; }
  public void setServiceAccountName(String serviceAccountName) { this.serviceAccountName = serviceAccountName; }
  public List<String> getValuesFiles() { return valuesFiles; }
  public void setValuesFiles(List<String> valuesFiles) { this.valuesFiles = valuesFiles; }
  public List<ValuesReference> getValuesFrom() { return valuesFrom; }
  public void setValuesFrom(List<ValuesReference> valuesFrom) { this.valuesFrom = valuesFrom; }
  public ObjectNode getValues() { return values; }
  public void setValues(ObjectNode values) { this.values = values; }
  public List<DependencyReference> getDependsOn() { return dependsOn; }
  public void setDependsOn(List<DependencyReference> dependsOn) { this.dependsOn = dependsOn; }
  public InstallSpec getInstall() { return install; }
  public void setInstall(InstallSpec install) { this.install = install; }
  public UpgradeSpec getUpgrade() { return upgrade; }
  public void setUpgrade(UpgradeSpec upgrade) { this.upgrade = upgrade; }
  public TestSpec getTest() { return test; }
  public void setTest(TestSpec test) { this.test = test; }
  public UninstallSpec getUninstall() { return uninstall; }
  public void setUninstall(UninstallSpec uninstall) { this.uninstall = uninstall; }
  public DriftDetectionSpec getDriftDetection() { return driftDetection; }
  public void setDriftDetection(DriftDetectionSpec driftDetection) { this.driftDetection = driftDetection; }
  public PolicySpec getPolicy() { return policy; }
  public void setPolicy(PolicySpec policy) { this.policy = policy; }
  public String getInterval() { return interval; }
  public void setInterval(String interval) { this.interval = interval; }
  public Integer getMaxHistory() { return maxHistory; }
  public void setMaxHistory(Integer maxHistory) { this.maxHistory = maxHistory; }
  public Boolean getSuspend() { return suspend; }
  public void setSuspend(Boolean suspend) { this.suspend = suspend; }
  public List<PostRenderer> getPostRenderers() { return postRenderers; }
  public void setPostRenderers(List<PostRenderer> postRenderers) { this.postRenderers = postRenderers; }
  public CommonMetadata getCommonMetadata() { return commonMetadata; }
  public void setCommonMetadata(CommonMetadata commonMetadata) { this.commonMetadata = commonMetadata; }
}
