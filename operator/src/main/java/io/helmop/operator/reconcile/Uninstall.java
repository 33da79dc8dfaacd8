package io.helmop.operator.reconcile;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.dependency.Dependencies;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.ReleaseOwner;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.status.Notice;
import io.helmop.operator.status.Reasons;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DELETING: uninstalls the release once no other release of its namespace depends on it; a suspended HelmRelease
 * leaves its release installed (suspend means hands off), and so does one that does not own the release (it
 * belongs to another HelmRelease, or to the helm CLI and was never adopted). DONE lets the finalizer go; WAIT and
 * RETRY keep it.
 */
final class Uninstall implements Action {
  private static final Logger LOG = LoggerFactory.getLogger(Uninstall.class);

  private final HelmEngine helm;
  private final ReleaseRecords records;

  Uninstall(HelmEngine helm, ReleaseRecords records) {
    this.helm = helm;
    this.records = records;
  }

  @Override
  public Outcome act(Reconciliation r, Classification c) {
    HelmRelease release = r.release();
    Optional<String> notOurs;
    try {
      notOurs = notOwned(release);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 403 || !neverReleased(release)) {
        throw e;
      }
      // its ServiceAccount may not even read Helm's records there (a targetNamespace it may not touch), and
      // helmop never released anything for it: nothing of its own to remove, and its deletion must not hang
      return Outcome.done(null, List.of(Notice.normal(Reasons.UNINSTALLED, "Nothing to uninstall: helmop never "
          + "released " + release.releaseName() + " in namespace " + release.targetNamespace() + " for this "
          + "HelmRelease.")), Optional.empty());
    }
    if (notOurs.isPresent()) {
      LOG.info("Leaving Helm release {} in namespace {} installed: {}", release.releaseName(),
          release.targetNamespace(), notOurs.get());
      return Outcome.done(null, List.of(Notice.normal(Reasons.RELEASE_OWNED_BY_ANOTHER, "Helm release "
          + release.releaseName() + " in namespace " + release.targetNamespace() + " was left installed: "
          + notOurs.get() + ".")), Optional.empty());
    }
    Dependencies dependencies = r.dependencies();
    // another namespace's dependents do not hold this one: a tenant cannot keep another from deleting its release
    List<HelmRelease> dependents = dependencies.dependents(release).stream()
        .filter(d -> release.getMetadata().getNamespace().equals(d.getMetadata().getNamespace())).toList();
    if (!dependents.isEmpty() && !ignoresDependents(release) && !dependencies.isInCycle(release)) {
      return waitForDependents(dependents);
    }
    if (Boolean.TRUE.equals(release.getSpec().getSuspend())) {
      LOG.info("HelmRelease is suspended: leaving Helm release {} in namespace {} installed",
          release.releaseName(), release.targetNamespace());
      return Outcome.done(null, List.of(), Optional.empty());
    }
    try {
      helm.uninstall(release.releaseName(), release.targetNamespace(),
          io.helmop.operator.release.Switches.uninstall(release));
    } catch (HelmException e) {
      Optional<String> forbidden = io.helmop.operator.tenancy.Forbidden.explain(e.getMessage());
      if (forbidden.isPresent() && neverReleased(release)) {
        // a release whose ServiceAccount was refused from the start (a targetNamespace it may not touch) must
        // still be deletable; helmop made no Helm release for it, so there is nothing of its own to remove
        LOG.info("Not uninstalling release {} from namespace {}: helmop never released it for this HelmRelease, "
            + "and its ServiceAccount may not look ({})", release.releaseName(), release.targetNamespace(),
            forbidden.get());
        return Outcome.done(null, List.of(Notice.normal(Reasons.UNINSTALLED, "Nothing to uninstall: helmop never "
            + "released " + release.releaseName() + " in namespace " + release.targetNamespace() + " for this "
            + "HelmRelease. " + forbidden.get())), Optional.empty());
      }
      return Outcome.of(ReconcileFailure.retryable(Reasons.UNINSTALL_FAILED, "Uninstall of release "
          + release.releaseName() + " failed: " + e.getMessage() + ". helmop retries with backoff; the HelmRelease "
          + "stays until it succeeds." + io.helmop.operator.tenancy.Forbidden.explain(e.getMessage())
          .map(rbac -> " " + rbac).orElse(""), e));
    }
    LOG.info("Uninstalled release {} from namespace {}", release.releaseName(), release.targetNamespace());
    return Outcome.done(null, List.of(Notice.normal(Reasons.UNINSTALLED, "Release " + release.releaseName()
        + " was uninstalled from namespace " + release.targetNamespace())), Optional.empty());
  }

  /** Why the release is not this HelmRelease's to uninstall; empty when it is (or when Helm has none). */
  private Optional<String> notOwned(HelmRelease release) {
    List<ReleaseRecord> history = records.history(release.targetNamespace(), release.releaseName());
    if (history.isEmpty()) {
      return Optional.empty();
    }
    Optional<ReleaseOwner> owner = ReleaseRecords.owner(history);
    if (owner.isPresent()) {
      return owner.get().isHelmRelease(release) ? Optional.empty()
          : Optional.of("it belongs to HelmRelease " + owner.get());
    }
    boolean applied = release.getStatus() != null && release.getStatus().getLastAppliedRevision() != null;
    return applied ? Optional.empty() // made by helmop before it marked releases
        : Optional.of("it was installed by another client and this HelmRelease never adopted it");
  }

  private static boolean neverReleased(HelmRelease release) {
    var status = release.getStatus();
    return status == null || (status.getLastAttempt() == null && status.getLastAppliedRevision() == null
        && (status.getHistory() == null || status.getHistory().isEmpty()));
  }

  private static boolean ignoresDependents(HelmRelease release) {
    var annotations = release.getMetadata().getAnnotations();
    return annotations != null && "true".equals(annotations.get(Dependencies.IGNORE_DEPENDENTS));
  }

  /**
   * A foundation goes after the releases that need it. Their deletion wakes this release (the dependency event
   * source); a short poll covers only the moment between their deletion and the cache noticing it, and a long
   * one a dependent that drops the dependency or the override annotation.
   */
  private static Outcome waitForDependents(List<HelmRelease> dependents) {
    String names = dependents.stream().map(Dependencies::key).sorted().collect(Collectors.joining(", "));
    boolean dependentsLeaving = dependents.stream().allMatch(d -> d.getMetadata().getDeletionTimestamp() != null);
    return Outcome.of(ReconcileFailure.waiting(Reasons.DEPENDENTS_EXIST, "Not uninstalling yet: HelmRelease "
        + names + " depend(s) on this release through spec.dependsOn. Delete them first; to remove this release "
        + "anyway, annotate it " + Dependencies.IGNORE_DEPENDENTS + "=true."), false,
        Optional.of(Duration.ofSeconds(dependentsLeaving ? 2 : 60)));
  }
}
