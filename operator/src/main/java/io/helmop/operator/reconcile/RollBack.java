package io.helmop.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.api.v1alpha1.RollbackStatus;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.HelmFailures;
import io.helmop.operator.release.ReleaseOwner;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.rollback.RollbackChart;
import io.helmop.operator.rollback.RollbackRequest;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.StatusFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rollback on demand: reproduces revision N's chart and values from Helm's release record and releases them as
 * a new revision (an upgrade; helm-java has no rollback), with the release's atomic/wait/timeout. Afterwards
 * the release stays on that revision while the spec and values stay as they were (status.rollback holds the
 * digest they had); any change to them is released as usual.
 */
final class RollBack implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(RollBack.class);

  private final HelmEngine helm;
  private final ReleaseRecords records;
  private final Remediation remediation;
  private final StatusFactory statuses;
  private final Path workDir;
  private final Clock clock;

  RollBack(HelmEngine helm, ReleaseRecords records, Remediation remediation, StatusFactory statuses, Path workDir,
      Clock clock) {
    this.helm = helm;
    this.records = records;
    this.remediation = remediation;
    this.statuses = statuses;
    this.workDir = workDir;
    this.clock = clock;
  }

  /** Acts on the rollback-to annotation, and removes it so that the request is not acted on twice. */
  @Override
  public Outcome act(Reconciliation r, Classification c) {
    Outcome outcome = handle(r);
    // status first: should helmop stop right after removing the annotation, status still says it was handled
    r.write(outcome.status());
    acknowledge(r);
    return outcome;
  }

  private Outcome handle(Reconciliation r) {
    HelmRelease release = r.release();
    DesiredRelease desired = r.desired();
    List<ReleaseRecord> history = r.history();
    RollbackRequest request = RollbackRequest.of(release).orElseThrow();
    String name = desired.releaseName();
    String namespace = desired.namespace();
    RollbackStatus done = release.getStatus() == null ? null : release.getStatus().getRollback();
    if (done != null && request.revision().equals(Optional.ofNullable(done.getToRevision()))
        && !history.isEmpty() && Integer.valueOf(history.get(0).revision()).equals(done.getRevision())) {
      return Outcome.done(release.getStatus(), List.of(), Optional.empty()); // done before a restart
    }
    if (request.revision().isEmpty()) {
      return refuse(release, Reasons.INVALID_ROLLBACK_REQUEST, "Annotation " + RollbackRequest.ANNOTATION + "=\""
          + request.value() + "\" is not a revision number. Pick a revision from `helm history " + name
          + " -n " + namespace + "` and annotate again, e.g. kubectl annotate helmrelease "
          + release.getMetadata().getName() + " " + RollbackRequest.ANNOTATION + "=2");
    }
    int target = request.revision().get();
    String kept = history.isEmpty() ? "none" : history.get(history.size() - 1).revision() + " to "
        + history.get(0).revision();
    Optional<JsonNode> record = history.stream().anyMatch(h -> h.revision() == target)
        ? records.releaseJson(namespace, name, target) : Optional.empty();
    if (record.isEmpty()) {
      return refuse(release, Reasons.ROLLBACK_TARGET_NOT_FOUND, "Cannot roll back release " + name
          + " to revision " + target + ": Helm keeps no such revision (it keeps " + kept + "; spec.maxHistory "
          + "limits how many). Nothing was changed. Pick one from `helm history " + name + " -n " + namespace + "`.");
    }
    if (history.get(0).isPending() || record.get().path("info").path("status").asText().startsWith("pending-")) {
      return refuse(release, Reasons.ROLLBACK_NOT_POSSIBLE, "Cannot roll back release " + name
          + " to revision " + target + " now: a Helm operation is in progress (revision "
          + history.get(0).revision() + " is " + history.get(0).status() + "). Nothing was changed; annotate again "
          + "when it has finished.");
    }
    return rollBack(r, target, record.get());
  }

  private Outcome rollBack(Reconciliation r, int target, JsonNode record) {
    HelmRelease release = r.release();
    DesiredRelease desired = r.desired();
    List<ReleaseRecord> history = r.history();
    int maxHistory = ChartRelease.maxHistory(r);
    String name = desired.releaseName();
    String namespace = desired.namespace();
    ReleaseRecord targetRecord = history.stream().filter(h -> h.revision() == target).findFirst().orElseThrow();
    int revision = history.get(0).revision() + 1;
    String plan = "Rolling back release " + name + " in namespace " + namespace + " to revision " + target + " ("
        + targetRecord.chart() + ") as revision " + revision;
    LOG.info(plan);
    r.write(statuses.progressing(release, plan, remediation.start(release, desired, "rollback", revision)));
    release = r.release();
    try {
      // the spec's switches (force, validation) hold for a rollback too
      RollbackChart.upgradeTo(helm, record, desired.request(), workDir, "helmop: rollback to revision " + target);
    } catch (HelmException e) {
      records.prune(namespace, name, maxHistory);
      String message = "Rollback of release " + name + " to revision " + target + " failed: "
          + HelmFailures.summary(e) + ". The revision that was serving keeps serving; helmop goes back to "
          + "releasing what the spec describes.";
      LOG.warn(message);
      return Outcome.done(statuses.rollbackFailed(release, message), List.of(Notice.warning(Reasons.ROLLBACK_FAILED,
          message)), Optional.empty());
    } finally {
      records.markNewRevisions(namespace, name, history.get(0).revision(), ReleaseOwner.of(release));
    }
    records.prune(namespace, name, maxHistory);
    List<ReleaseRecord> after = records.history(namespace, name);
    RollbackStatus rollback = new RollbackStatus();
    rollback.setToRevision(target);
    rollback.setRevision(after.get(0).revision());
    rollback.setChart(targetRecord.chart());
    rollback.setHeldDigest(desired.digest());
    rollback.setAt(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    HelmReleaseStatus rolledBack = statuses.rolledBack(release, after.get(0), after, rollback);
    String message = "Release " + name + " revision " + after.get(0).revision() + " reproduces revision " + target
        + " (" + targetRecord.chart() + ") as requested by " + RollbackRequest.ANNOTATION + ". Database "
        + "migrations and PersistentVolume contents are not rolled back. helmop keeps this revision until the "
        + "spec or the values change.";
    LOG.info(message);
    return Outcome.done(rolledBack, List.of(Notice.normal(Reasons.ROLLED_BACK, message)), Optional.empty());
  }

  private Outcome refuse(HelmRelease release, String reason, String message) {
    LOG.warn("{}: {}", reason, message);
    return Outcome.done(statuses.rollbackNotDone(release, reason, message),
        List.of(Notice.warning(reason, message)), Optional.empty());
  }

  private static void acknowledge(Reconciliation r) {
    HelmRelease release = r.release();
    try {
      r.cache().removeAnnotation(release, RollbackRequest.ANNOTATION);
    } catch (KubernetesClientException e) {
      // status already says it was handled; the next reconcile removes it (see handle)
      LOG.warn("Could not remove annotation {} from HelmRelease {}: {}", RollbackRequest.ANNOTATION,
          release.getMetadata().getName(), e.getMessage());
    }
  }
}
