package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A rollback made on request: which revision was reproduced, as which new revision, and what it holds back. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollbackStatus {
  @JsonPropertyDescription("The revision whose chart and values were reproduced (the annotation's value).")
  private Integer toRevision;

  @JsonPropertyDescription("The new Helm revision that carries them.")
  private Integer revision;

  @JsonPropertyDescription("Chart of the reproduced revision, e.g. payment-service-1.4.1.")
  private String chart;

  @JsonPropertyDescription("The digest of what the spec described when the rollback was made. helmop keeps the "
      + "rolled-back revision until the spec or values produce a different digest.")
  private String heldDigest;

  @JsonPropertyDescription("When the rollback was made (RFC 3339).")
  private String at;

  public Integer getToRevision() { return toRevision; }
  public void setToRevision(Integer toRevision) { this.toRevision = toRevision; }
  public Integer getRevision() { return revision; }
  public void setRevision(Integer revision) { this.revision = revision; }
  public String getChart() { return chart; }
  public void setChart(String chart) { this.chart = chart; }
  public String getHeldDigest() { return heldDigest; }
  public void setHeldDigest(String heldDigest) { this.heldDigest = heldDigest; }
  public String getAt() { return at; }
  public void setAt(String at) { this.at = at; }
}
