package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One Helm revision of the release, as `helm history` shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryEntry {
  @JsonPropertyDescription("Helm revision number.")
  private Integer revision;

  @JsonPropertyDescription("Chart version of this revision.")
  private String chartVersion;

  @JsonPropertyDescription("appVersion of the chart of this revision.")
  private String appVersion;

  @JsonPropertyDescription("Helm's status of this revision: deployed, superseded, failed, pending-upgrade, ...")
  private String status;

  @JsonPropertyDescription("When Helm deployed this revision (RFC 3339).")
  private String deployedAt;

  @JsonPropertyDescription("The helmop digest of the chart and values of this revision, when helmop made it.")
  private String digest;

  public HistoryEntry() {}

  public HistoryEntry(Integer revision, String chartVersion, String appVersion, String status, String deployedAt,
      String digest) {
    this.revision = revision;
    this.chartVersion = chartVersion;
    this.appVersion = appVersion;
    this.status = status;
    this.deployedAt = deployedAt;
    this.digest = digest;
  }

  public Integer getRevision() { return revision; }
  public void setRevision(Integer revision) { this.revision = revision; }
  public String getChartVersion() { return chartVersion; }
  public void setChartVersion(String chartVersion) { this.chartVersion = chartVersion; }
  public String getAppVersion() { return appVersion; }
  public void setAppVersion(String appVersion) { this.appVersion = appVersion; }
  public String getStatus() { return status; }
  public void setStatus(String status) { this.status = status; }
  public String getDeployedAt() { return deployedAt; }
  public void setDeployedAt(String deployedAt) { this.deployedAt = deployedAt; }
  public String getDigest() { return digest; }
  public void setDigest(String digest) { this.digest = digest; }
}
