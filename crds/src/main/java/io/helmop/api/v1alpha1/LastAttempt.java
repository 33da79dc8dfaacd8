package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The last Helm operation helmop started on a release, and how it ended. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LastAttempt {
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  @JsonPropertyDescription("install, upgrade or rollback.")
  private String action;

  @JsonPropertyDescription("The digest of the chart and values this attempt releases (status.lastAppliedDigest "
      + "once it succeeds).")
  private String digest;

  @JsonPropertyDescription("The metadata.generation this attempt was made for.")
  private Long generation;

  @JsonPropertyDescription("The Helm revision this attempt creates.")
  private Integer revision;

  @JsonPropertyDescription("The operator process that started it (host name and a random id per process). A "
      + "pending Helm revision started by a process that is gone is marked failed at once.")
  private String operatorInstance;

  @JsonPropertyDescription("When the attempt started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("Running, Succeeded or Failed.")
  private String result;

  @JsonPropertyDescription("Failed attempts in a row for this digest and generation; retries stop when it "
      + "exceeds spec.install.retries or spec.upgrade.retries.")
  private Integer failures;

  public String getAction() { return action; }
  public void setAction(String action) { this.action = action; }
  public String getDigest() { return digest; }
  public void setDigest(String digest) { this.digest = digest; }
  public Long getGeneration() { return generation; }
  public void setGeneration(Long generation) { this.generation = generation; }
  public Integer getRevision() { return revision; }
  public void setRevision(Integer revision) { this.revision = revision; }
  public String getOperatorInstance() { return operatorInstance; }
  public void setOperatorInstance(String operatorInstance) { this.operatorInstance = operatorInstance; }
  public String getStartedAt() { return startedAt; }
  public void setStartedAt(String startedAt) { this.startedAt = startedAt; }
  public String getResult() { return result; }
  public void setResult(String result) { this.result = result; }
  public Integer getFailures() { return failures; }
  public void setFailures(Integer failures) { this.failures = failures; }
}
