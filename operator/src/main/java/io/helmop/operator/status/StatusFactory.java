package io.helmop.operator.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.api.v1alpha1.DriftedObject;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.HistoryEntry;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.ReleaseRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds every status helmop writes, in one place. Each method returns a new status computed from the
 * current one, so an unchanged situation yields an equal status and no write.
 */
public class StatusFactory {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;

  public StatusFactory(Clock clock) {
    this.clock = clock;
  }

  /** Nothing to do: the same status, now describing the current generation. */
  public HelmReleaseStatus upToDate(HelmRelease release) {
    HelmReleaseStatus status = copy(release);
    Long generation = release.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    status.getConditions().forEach(c -> c.setObservedGeneration(generation));
    return status;
  }

  public HelmReleaseStatus progressing(HelmRelease release, String message) {
    HelmReleaseStatus status = copy(release);
    set(release, status, Conditions.READY, Conditions.UNKNOWN, "Progressing", message);
    set(release, status, Conditions.RECONCILING, Conditions.TRUE, "Progressing", message);
    set(release, status, Conditions.STALLED, Conditions.FALSE, "Progressing", message);
    return status;
  }

  /**
   * The release is deployed and ready. The history keeps the digests helmop recorded for earlier revisions.
   */
  public HelmReleaseStatus released(HelmRelease release, String reason, ReleaseRecord deployed,
      List<ReleaseRecord> history, String digest) {
    HelmReleaseStatus status = copy(release);
    String message = "Release " + deployed.name() + " revision " + deployed.revision() + " (" + deployed.chart()
        + ") is deployed and ready in namespace " + deployed.namespace();
    set(release, status, Conditions.READY, Conditions.TRUE, reason, message);
    set(release, status, Conditions.RECONCILING, Conditions.FALSE, reason, message);
    set(release, status, Conditions.STALLED, Conditions.FALSE, reason, message);
    set(release, status, Conditions.RELEASED, Conditions.TRUE, reason, message);
    status.setLastAppliedRevision(deployed.revision());
    status.setLastAppliedDigest(digest);
    status.setChart(deployed.chart());
    status.setAppVersion(deployed.appVersion());
    status.setHistory(history(release, status, history, deployed.revision(), digest));
    status.setObservedGeneration(release.getMetadata().getGeneration());
    return status;
  }

  /**
   * A step failed or has to wait. Retries and waits leave Reconciling=True (helmop is still working on it);
   * stalls set Stalled=True until the spec changes. A failed Helm operation also sets Released=False.
   */
  public HelmReleaseStatus failed(HelmRelease release, ReconcileFailure failure, boolean helmFailed) {
    HelmReleaseStatus status = copy(release);
    String message = failure.getMessage();
    set(release, status, Conditions.READY, Conditions.FALSE, failure.reason(), message);
    switch (failure.kind()) {
      case RETRY -> {
        set(release, status, Conditions.RECONCILING, Conditions.TRUE, "ProgressingWithRetry", message);
        set(release, status, Conditions.STALLED, Conditions.FALSE, failure.reason(), message);
      }
      case WAIT -> {
        set(release, status, Conditions.RECONCILING, Conditions.TRUE, failure.reason(), message);
        set(release, status, Conditions.STALLED, Conditions.FALSE, failure.reason(), message);
      }
      case STALL -> {
        set(release, status, Conditions.RECONCILING, Conditions.FALSE, failure.reason(), message);
        set(release, status, Conditions.STALLED, Conditions.TRUE, failure.reason(), message);
      }
    }
    if (helmFailed) {
      set(release, status, Conditions.RELEASED, Conditions.FALSE, failure.reason(), message);
    }
    status.setObservedGeneration(release.getMetadata().getGeneration());
    return status;
  }

  /** The outcome of a drift check: Drifted=True/False with its reason, and the drifted objects. */
  public HelmReleaseStatus drift(HelmRelease release, boolean drifted, String reason, String message,
      List<DriftedObject> objects) {
    HelmReleaseStatus status = copy(release);
    set(release, status, Conditions.DRIFTED, drifted ? Conditions.TRUE : Conditions.FALSE, reason, message);
    status.setDrift(objects.isEmpty() ? null : objects);
    return status;
  }

  /** spec.driftDetection.mode is Disabled: say nothing about drift rather than something stale. */
  public HelmReleaseStatus driftUnchecked(HelmRelease release) {
    HelmReleaseStatus status = copy(release);
    status.setConditions(Conditions.remove(status.getConditions(), Conditions.DRIFTED));
    status.setDrift(null);
    return status;
  }

  public HelmReleaseStatus suspended(HelmRelease release) {
    HelmReleaseStatus status = copy(release);
    set(release, status, Conditions.RECONCILING, Conditions.FALSE, "Suspended",
        "spec.suspend is true: helmop takes no action on this release until it is set to false.");
    status.setObservedGeneration(release.getMetadata().getGeneration());
    return status;
  }

  private List<HistoryEntry> history(HelmRelease release, HelmReleaseStatus status, List<ReleaseRecord> records,
      int newRevision, String newDigest) {
    Map<Integer, String> knownDigests = status.getHistory().stream()
        .filter(e -> e.getRevision() != null && e.getDigest() != null)
        .collect(Collectors.toMap(HistoryEntry::getRevision, HistoryEntry::getDigest, (a, b) -> a));
    knownDigests.put(newRevision, newDigest);
    int max = release.getSpec().getMaxHistory() == null ? 10 : release.getSpec().getMaxHistory();
    List<HistoryEntry> entries = new ArrayList<>();
    records.stream().limit(max).forEach(r -> entries.add(new HistoryEntry(r.revision(), r.chartVersion(),
        r.appVersion(), r.status(), r.lastDeployed(), knownDigests.get(r.revision()))));
    return entries;
  }

  private void set(HelmRelease release, HelmReleaseStatus status, String type, String value, String reason,
      String message) {
    status.setConditions(Conditions.set(status.getConditions(), type, value, reason, message,
        release.getMetadata().getGeneration(), clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
  }

  private static HelmReleaseStatus copy(HelmRelease release) {
    return release.getStatus() == null ? new HelmReleaseStatus()
        : JSON.convertValue(release.getStatus(), HelmReleaseStatus.class);
  }

  /** True when both serialise to the same JSON. */
  public static boolean sameJson(Object a, Object b) {
    return java.util.Objects.equals(a == null ? null : JSON.valueToTree(a), b == null ? null : JSON.valueToTree(b));
  }

  /** True when both statuses serialise to the same JSON, i.e. writing one over the other changes nothing. */
  public static boolean same(HelmReleaseStatus a, HelmReleaseStatus b) {
    return sameJson(a, b);
  }
}
