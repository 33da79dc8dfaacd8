package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HelmReleaseStatus {
  @JsonPropertyDescription("The metadata.generation this status describes. Older than metadata.generation means "
      + "helmop has not finished acting on the latest spec.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, Reconciling, Stalled, Released, RolledBack, PolicyCompliant and Drifted, in the "
      + "Kubernetes condition shape (kstatus compatible: `kubectl wait --for=condition=Ready` works).")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The Helm revision helmop last released successfully (what `helm history` numbers).")
  private Integer lastAppliedRevision;

  @JsonPropertyDescription("SHA-256 over the chart archive, the merged values, the release name and namespace last applied. "
      + "helmop calls Helm only when this changes.")
  private String lastAppliedDigest;

  @JsonPropertyDescription("Name and version of the chart last released, e.g. payment-service-1.4.2.")
  private String chart;

  @JsonPropertyDescription("The appVersion of the chart last released.")
  private String appVersion;

  @JsonPropertyDescription("The most recent Helm revisions of this release, newest first, at most spec.maxHistory.")
  private List<HistoryEntry> history = new ArrayList<>();

  @JsonPropertyDescription("The last Helm operation helmop started (install, upgrade or rollback): for what, by "
      + "which operator process, and how it ended. Kept here so that retry counts and interrupted operations "
      + "survive an operator restart.")
  private LastAttempt lastAttempt;

  @JsonPropertyDescription("Set while the release runs a revision rolled back to on request (annotation "
      + "helmop.io/rollback-to) instead of what the spec describes; cleared when the spec or values change.")
  private RollbackStatus rollback;

  @JsonPropertyDescription("The value of annotation reconcile.helmop.io/requestedAt that helmop last answered "
      + "(a reconcile on request).")
  private String lastHandledReconcileAt;

  @JsonPropertyDescription("The value of annotation reconcile.helmop.io/forceAt that helmop last answered with an "
      + "upgrade (forced even though nothing changed).")
  private String lastHandledForceAt;

  @JsonPropertyDescription("The value of annotation reconcile.helmop.io/resetAt that helmop last answered by "
      + "resetting the count of failed attempts.")
  private String lastHandledResetAt;

  public String getLastHandledReconcileAt() { return lastHandledReconcileAt; }
  public void setLastHandledReconcileAt(String value) { this.lastHandledReconcileAt = value; }
  public String getLastHandledForceAt() { return lastHandledForceAt; }
  public void setLastHandledForceAt(String value) { this.lastHandledForceAt = value; }
  public String getLastHandledResetAt() { return lastHandledResetAt; }
  public void setLastHandledResetAt(String value) { this.lastHandledResetAt = value; }
  public LastAttempt getLastAttempt() { return lastAttempt; }
  public void setLastAttempt(LastAttempt lastAttempt) { this.lastAttempt = lastAttempt; }
  public RollbackStatus getRollback() { return rollback; }
  public void setRollback(RollbackStatus rollback) { this.rollback = rollback; }

  @JsonPropertyDescription("Objects of the release that differ from its manifest (at most 20), as the last drift "
      + "check found them; empty when the cluster matches the release.")
  private List<DriftedObject> drift;

  @JsonPropertyDescription("What the last policy check found (the rules of spec.policy): the mode it ran in and "
      + "the violations; absent when the policy is Disabled.")
  private PolicyStatus policy;

  public PolicyStatus getPolicy() { return policy; }
  public void setPolicy(PolicyStatus policy) { this.policy = policy; }
  public List<DriftedObject> getDrift() { return drift; }
  public void setDrift(List<DriftedObject> drift) { this.drift = drift; }
  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
  public Integer getLastAppliedRevision() { return lastAppliedRevision; }
  public void setLastAppliedRevision(Integer lastAppliedRevision) { this.lastAppliedRevision = lastAppliedRevision; }
  public String getLastAppliedDigest() { return lastAppliedDigest; }
  public void setLastAppliedDigest(String lastAppliedDigest) { this.lastAppliedDigest = lastAppliedDigest; }
  public String getChart() { return chart; }
  public void setChart(String chart) { this.chart = chart; }
  public String getAppVersion() { return appVersion; }
  public void setAppVersion(String appVersion) { this.appVersion = appVersion; }
  public List<HistoryEntry> getHistory() { return history; }
  public void setHistory(List<HistoryEntry> history) { this.history = history; }
}
