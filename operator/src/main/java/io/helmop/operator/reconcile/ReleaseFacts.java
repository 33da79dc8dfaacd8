package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.ReleaseRecord;
import java.time.Instant;
import java.util.List;

/**
 * Everything the classifier may look at: the HelmRelease (spec, status, generation, annotations, deletion),
 * what it asks for, Helm's history of the release, which operator process asks, and the time.
 *
 * @param desired the chart and values the spec asks for; null when the release is being deleted or suspended
 *     (nothing is planned then)
 * @param history Helm's revisions of the release, newest first
 * @param instance this operator process: a pending revision that status says another process started was
 *     abandoned by it
 */
public record ReleaseFacts(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history,
    String instance, Instant now) {

  /** Facts about a release whose chart is not looked at (being deleted, or suspended). */
  public static ReleaseFacts unplanned(HelmRelease release, String instance, Instant now) {
    return new ReleaseFacts(release, null, List.of(), instance, now);
  }
}
