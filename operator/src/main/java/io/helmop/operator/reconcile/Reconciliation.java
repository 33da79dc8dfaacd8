package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.dependency.Dependencies;
import io.helmop.operator.drift.IgnoreRules;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.status.StatusFactory;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One reconcile of one HelmRelease: what it found out (the desired release, Helm's history) and the resource as
 * this reconcile last wrote it. Status is written through {@link #write} only, and only when it changed.
 */
public final class Reconciliation {
  private final ReleaseCache cache;
  private final Duration interval;
  private final HelmReleaseStatus statusBefore;
  private HelmRelease release;
  private DesiredRelease desired;
  private List<ReleaseRecord> history = List.of();
  private IgnoreRules ignore = IgnoreRules.none();
  private Classification classification;
  private int statusWrites;

  public Reconciliation(HelmRelease release, ReleaseCache cache, Duration interval) {
    this.release = release;
    this.statusBefore = release.getStatus();
    this.cache = cache;
    this.interval = interval;
  }

  public HelmRelease release() {
    return release;
  }

  public DesiredRelease desired() {
    return desired;
  }

  public List<ReleaseRecord> history() {
    return history;
  }

  public IgnoreRules ignore() {
    return ignore;
  }

  public Duration interval() {
    return interval;
  }

  public Dependencies dependencies() {
    return cache.dependencies();
  }

  public ReleaseCache cache() {
    return cache;
  }

  void planned(DesiredRelease desired, IgnoreRules ignore) {
    this.desired = desired;
    this.ignore = ignore;
  }

  /** The state this reconcile last named (null before the release is classified). */
  public Classification classification() {
    return classification;
  }

  Classification classified(Classification classification) {
    this.classification = classification;
    return classification;
  }

  void history(List<ReleaseRecord> history) {
    this.history = history;
  }

  /** Writes the status when it differs from the resource's; returns whether it did. */
  public boolean write(HelmReleaseStatus status) {
    if (StatusFactory.same(release.getStatus(), status)) {
      return false;
    }
    release = cache.writeStatus(release, status);
    statusWrites++;
    return true;
  }

  /**
   * Whether the status now differs from the one this reconcile started with: a "Progressing" write in between,
   * followed by the same failure as before, is no new situation to report.
   */
  public boolean statusChanged() {
    return !StatusFactory.same(statusBefore, release.getStatus());
  }

  /** How many status writes this reconcile made (at most two: "Progressing" before a Helm call, and the outcome). */
  public int statusWrites() {
    return statusWrites;
  }

  /**
   * Turns true once the HelmRelease has a newer generation than the one being released, or is being deleted: the
   * Helm operation in flight is then stopped rather than waited for (the informer's cache sees the change at once).
   */
  public BooleanSupplier superseded() {
    long generation = release.getMetadata().getGeneration();
    ResourceID id = ResourceID.fromResource(release);
    return () -> cache.get(id)
        .map(latest -> latest.getMetadata().getGeneration() > generation || latest.isMarkedForDeletion())
        .orElse(true);
  }
}
