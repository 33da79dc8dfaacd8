package io.helmop.operator.rollback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.RollbackStatus;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.HelmFailures;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.Remediation;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.status.StatusWriter;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rollback on demand: reproduces revision N's chart and values from Helm's release record and releases them as
 * a new revision (an upgrade; helm-java has no rollback), with the release's atomic/wait/timeout. Afterwards
 * the release stays on that revision while the spec and values stay as they were (status.rollback holds the
 * digest they had); any change to them is released as usual.
 */
public class Rollbacks {
  private static final Logger LOG = LoggerFactory.getLogger(Rollbacks.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HelmEngine helm;
  private final ReleaseRecords records;
  private final Remediation remediation;
  private final StatusFactory statuses;
  private final StatusWriter statusWriter;
  private final EventRecorder events;
  private final Path workDir;
  private final Clock clock;

  public Rollbacks(HelmEngine helm, ReleaseRecords records, Remediation remediation, StatusFactory statuses,
      StatusWriter statusWriter, EventRecorder events, Path workDir, Clock clock) {
    this.helm = helm;
    this.records = records;
    this.remediation = remediation;
    this.statuses = statuses;
    this.statusWriter = statusWriter;
    this.events = events;
    this.workDir = workDir;
    this.clock = clock;
  }

  /** The release is on a revision rolled back to on request, and nothing it asks for has changed since. */
  public boolean holds(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history) {
    RollbackStatus rollback = release.getStatus() == null ? null : release.getStatus().getRollback();
    return rollback != null && !history.isEmpty() && history.get(0).isDeployed()
        && Integer.valueOf(history.get(0).revision()).equals(rollback.getRevision())
        && desired.digest().equals(rollback.getHeldDigest());
  }

  /** Keeps the rolled-back state in status (for a new generation that changed nothing the digest covers). */
  public HelmRelease keep(HelmRelease release, List<ReleaseRecord> history, Context<HelmRelease> context) {
    return statusWriter.write(release, statuses.rolledBack(release, history.get(0), history,
        release.getStatus().getRollback()), context);
  }

  /** Acts on the rollback-to annotation, if there is one, and removes it. Returns whether there was one. */
  public boolean handle(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history, int maxHistory,
      Context<HelmRelease> context) {
    Optional<RollbackRequest> request = RollbackRequest.of(release);
    if (request.isEmpty()) {
      return false;
    }
    String name = desired.releaseName();
    String namespace = desired.namespace();
    RollbackStatus done = release.getStatus() == null ? null : release.getStatus().getRollback();
    if (done != null && request.get().revision().equals(Optional.ofNullable(done.getToRevision()))
        && !history.isEmpty() && Integer.valueOf(history.get(0).revision()).equals(done.getRevision())) {
      acknowledge(release, context); // made before a restart that came before the annotation's removal
      return true;
    }
    if (request.get().revision().isEmpty()) {
      refuse(release, "InvalidRollbackRequest", "Annotation " + RollbackRequest.ANNOTATION + "=\""
          + request.get().value() + "\" is not a revision number. Pick a revision from `helm history " + name
          + " -n " + namespace + "` and annotate again, e.g. kubectl annotate helmrelease "
          + release.getMetadata().getName() + " " + RollbackRequest.ANNOTATION + "=2", context);
      return true;
    }
    int target = request.get().revision().get();
    String kept = history.isEmpty() ? "none" : history.get(history.size() - 1).revision() + " to "
        + history.get(0).revision();
    Optional<JsonNode> record = history.stream().anyMatch(r -> r.revision() == target)
        ? records.releaseJson(namespace, name, target) : Optional.empty();
    if (record.isEmpty()) {
      refuse(release, "RollbackTargetNotFound", "Cannot roll back release " + name + " to revision " + target
          + ": Helm keeps no such revision (it keeps " + kept + "; spec.maxHistory limits how many). Nothing was "
          + "changed. Pick one from `helm history " + name + " -n " + namespace + "`.", context);
      return true;
    }
    if (history.get(0).isPending() || record.get().path("info").path("status").asText().startsWith("pending-")) {
      refuse(release, "RollbackNotPossible", "Cannot roll back release " + name + " to revision " + target
          + " now: a Helm operation is in progress (revision " + history.get(0).revision() + " is "
          + history.get(0).status() + "). Nothing was changed; annotate again when it has finished.", context);
      return true;
    }
    rollBack(release, desired, history, target, record.get(), maxHistory, context);
    return true;
  }

  private void rollBack(HelmRelease release, DesiredRelease desired, List<ReleaseRecord> history, int target,
      JsonNode record, int maxHistory, Context<HelmRelease> context) {
    String name = desired.releaseName();
    String namespace = desired.namespace();
    ReleaseRecord targetRecord = history.stream().filter(r -> r.revision() == target).findFirst().orElseThrow();
    int revision = history.get(0).revision() + 1;
    String plan = "Rolling back release " + name + " in namespace " + namespace + " to revision " + target + " ("
        + targetRecord.chart() + ") as revision " + revision;
    LOG.info(plan);
    release = statusWriter.write(release, statuses.progressing(release, plan,
        remediation.start(release, desired, "rollback", revision)), context);
    Path chartDir = workDir.resolve("rollback-" + java.util.UUID.randomUUID());
    try {
      RollbackChart.write(record, chartDir);
      ReleaseRequest base = desired.request();
      @SuppressWarnings("unchecked")
      Map<String, Object> values = record.path("config").isObject()
          ? JSON.convertValue(record.path("config"), Map.class) : Map.of();
      helm.upgrade(new ReleaseRequest(name, namespace, chartDir, values, base.atomic(), base.waitReady(),
          base.timeout(), false, base.cleanupOnFail()), "helmop: rollback to revision " + target,
          () -> false); // a rollback someone asked for runs to its end, like `helm rollback`
    } catch (HelmException e) {
      records.prune(namespace, name, maxHistory);
      String message = "Rollback of release " + name + " to revision " + target + " failed: "
          + HelmFailures.summary(e) + ". The revision that was serving keeps serving; helmop goes back to "
          + "releasing what the spec describes.";
      LOG.warn(message);
      statusWriter.write(release, statuses.rollbackFailed(release, message), context);
      events.warning(release, "RollbackFailed", message);
      acknowledge(release, context);
      return;
    } finally {
      deleteRecursively(chartDir);
    }
    records.prune(namespace, name, maxHistory);
    List<ReleaseRecord> after = records.history(namespace, name);
    RollbackStatus rollback = new RollbackStatus();
    rollback.setToRevision(target);
    rollback.setRevision(after.get(0).revision());
    rollback.setChart(targetRecord.chart());
    rollback.setHeldDigest(desired.digest());
    rollback.setAt(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    release = statusWriter.write(release, statuses.rolledBack(release, after.get(0), after, rollback), context);
    String message = "Release " + name + " revision " + after.get(0).revision() + " reproduces revision " + target
        + " (" + targetRecord.chart() + ") as requested by " + RollbackRequest.ANNOTATION + ". Database "
        + "migrations and PersistentVolume contents are not rolled back. helmop keeps this revision until the "
        + "spec or the values change.";
    LOG.info(message);
    events.normal(release, "RolledBack", message);
    acknowledge(release, context);
  }

  private void refuse(HelmRelease release, String reason, String message, Context<HelmRelease> context) {
    LOG.warn("{}: {}", reason, message);
    statusWriter.write(release, statuses.rollbackNotDone(release, reason, message, false), context);
    events.warning(release, reason, message);
    acknowledge(release, context);
  }

  /** Removes the annotation so the request is not acted on twice. */
  private static void acknowledge(HelmRelease release, Context<HelmRelease> context) {
    try {
      context.getClient().resources(HelmRelease.class).inNamespace(release.getMetadata().getNamespace())
          .withName(release.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"annotations\":{\"" + RollbackRequest.ANNOTATION + "\":null}}}");
    } catch (KubernetesClientException e) {
      // status already says it was handled; the next reconcile removes it (see handle)
      LOG.warn("Could not remove annotation {} from HelmRelease {}: {}", RollbackRequest.ANNOTATION,
          release.getMetadata().getName(), e.getMessage());
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", dir, e.getMessage());
    }
  }
}
