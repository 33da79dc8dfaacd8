package io.helmop.operator.drift;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.helmop.api.v1alpha1.DriftDetectionSpec;
import io.helmop.api.v1alpha1.DriftDetectionSpec.Mode;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.Durations;
import io.helmop.operator.release.ObjectRestorer;
import io.helmop.operator.release.ReleaseRecord;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a deployed release's objects equal to its manifest: finds drift (on every reconcile, which events on
 * the objects trigger within moments and spec.interval repeats) and, in mode Enabled, undoes it.
 */
public class DriftCheck implements ObjectRestorer {
  private static final Logger LOG = LoggerFactory.getLogger(DriftCheck.class);

  private final KubernetesClient client;
  private final KindCatalog kinds;
  private final DriftDetector detector;
  private final DriftCorrector corrector;
  private final CorrectionBackoff backoff;
  private final ManagedObjectWatcher watcher;
  private final Clock clock;
  /** Parsed manifests by release and revision: Helm's record of a revision never changes. */
  private final Map<ResourceID, ParsedManifest> manifests = new ConcurrentHashMap<>();
  /** Each release's last check that found no drift, while it may stand in for a new one. */
  private final Map<ResourceID, CleanCheck> cleanChecks = new ConcurrentHashMap<>();
  /** The objects each release's last check looked at, so that forgetting the release forgets their backoff. */
  private final Map<ResourceID, List<ObjectRef>> checked = new ConcurrentHashMap<>();
  /** Corrections that lost a race with another write, in a row, per object. */
  private final Map<ObjectRef, Integer> raced = new ConcurrentHashMap<>();
  private static final int MAX_RACES = 3;

  public DriftCheck(KubernetesClient client, KindCatalog kinds, ManagedObjectWatcher watcher, Clock clock) {
    this.client = client;
    this.kinds = kinds;
    this.detector = new DriftDetector(client, kinds);
    this.corrector = new DriftCorrector(client);
    this.backoff = new CorrectionBackoff(clock);
    this.watcher = watcher;
    this.clock = clock;
  }

  /**
   * The release label ({@link ReleaseLabel}) on the first of a revision's objects found in the cluster. helmop
   * labels the objects of every release it checks for drift, so on a release it made before it marked Helm's
   * records, the label names the HelmRelease that made it. Empty when no object is found (three looked up at
   * most), it carries no label, or it cannot be read.
   */
  public Optional<String> releaseLabelOn(ReleaseRecord revision) {
    int looked = 0;
    for (ObjectNode object : ManifestObjects.parse(revision.manifest())) {
      if (looked++ == 3) {
        break;
      }
      try {
        Optional<ResourceDefinitionContext> resource = kinds.resolve(object.path("apiVersion").asText(),
            object.path("kind").asText());
        if (resource.isEmpty()) {
          continue;
        }
        var live = Objects.handle(client, resource.get(), ObjectRef.of(object, resource.get(),
            revision.namespace())).get();
        if (live != null) {
          return Optional.ofNullable(live.getMetadata().getLabels()).map(labels -> labels.get(ReleaseLabel.KEY));
        }
      } catch (KubernetesClientException e) {
        LOG.debug("Could not read an object of release {}: {}", revision.name(), e.getMessage());
      }
    }
    return Optional.empty();
  }

  public static Mode mode(HelmRelease release) {
    DriftDetectionSpec spec = release.getSpec().getDriftDetection();
    return spec == null || spec.getMode() == null ? Mode.Enabled : spec.getMode();
  }

  /** Validates spec.driftDetection; throws a stalling failure naming a bad ignore rule. */
  public IgnoreRules ignoreRules(HelmRelease release) throws ReconcileFailure {
    DriftDetectionSpec spec = release.getSpec().getDriftDetection();
    return IgnoreRules.validate(spec == null ? null : spec.getIgnore(), spec == null ? null : spec.getFieldManagers(),
        kinds);
  }

  /**
   * Compares every object of the deployed revision with the cluster. When the last check found none drifted,
   * for this revision and generation, less than an interval ago, and the watched objects are unchanged since
   * (same content, bookkeeping aside, in the informers' caches), it costs no API call: reconciles woken by
   * something else (a shared ConfigMap edit, a dependency) stay cheap. The informers see an edit within
   * moments and wake the release, and the next reconcile then checks for real; the interval check always does.
   */
  public DriftFindings detect(HelmRelease release, ReleaseRecord deployed, IgnoreRules ignore) {
    ResourceID id = ResourceID.fromResource(release);
    CleanCheck clean = cleanChecks.get(id);
    if (clean != null && clean.stillHolds(release, deployed, watcher, clock)) {
      LOG.debug("Objects of revision {} unchanged since the last check found no drift; not checked again",
          deployed.revision());
      return DriftFindings.NONE;
    }
    String label = ReleaseLabel.valueOf(release);
    ParsedManifest manifest = manifests.compute(id, (k, cached) ->
        cached != null && cached.revision() == deployed.revision() ? cached
            : new ParsedManifest(deployed.revision(), ManifestObjects.parse(deployed.manifest())));
    List<ObjectCheck> checks = detector.check(manifest.objects(), deployed.namespace(), label, ignore);
    checks.forEach(check -> watcher.watch(id, label, check.resource()));
    checked.put(id, checks.stream().map(ObjectCheck::ref).toList());
    DriftFindings findings = new DriftFindings(checks.stream().filter(ObjectCheck::drifted).toList());
    // an object of a kind not served yet (its CRD just created) was not checked: the next reconcile must check
    if (findings.isEmpty() && detector.allServed(manifest.objects())) {
      cleanChecks.put(id, CleanCheck.of(release, deployed, checks, clock));
    } else {
      cleanChecks.remove(id);
    }
    return findings;
  }

  /**
   * Re-applies each drifted object unless helmop is being fought over it (then it waits, with backoff). One
   * object the server refuses to patch does not stop the others.
   */
  public Correction correct(DriftFindings findings) {
    List<ObjectCheck> corrected = new ArrayList<>();
    Map<ObjectRef, String> failed = new LinkedHashMap<>();
    List<ObjectRef> contested = new ArrayList<>();
    Optional<Duration> retryAfter = Optional.empty();
    for (ObjectCheck check : findings.drifted()) {
      CorrectionBackoff.Decision decision = backoff.decide(check.ref());
      if (decision.contested()) {
        contested.add(check.ref());
      }
      if (!decision.correctNow()) {
        retryAfter = earliest(retryAfter, decision.waitFrom(clock.instant()));
        continue;
      }
      try {
        corrector.correct(check);
        backoff.corrected(check.ref(), decision);
        corrected.add(check);
        LOG.info("Corrected drift of {}: {}", check.ref(), check.paths());
        raced.remove(check.ref());
      } catch (DriftCorrector.ObjectChangedException e) {
        // lost a race with another write: check again at once, but a guard that keeps failing is a failure
        int races = raced.merge(check.ref(), 1, Integer::sum);
        if (races <= MAX_RACES) {
          LOG.debug("{} (race {} of {}); checking again", e.getMessage(), races, MAX_RACES);
          retryAfter = earliest(retryAfter, Optional.of(Duration.ZERO));
        } else {
          raced.remove(check.ref());
          failed.put(check.ref(), "it changed each time between helmop's comparison and its correction ("
              + MAX_RACES + " times in a row)");
        }
      } catch (KubernetesClientException e) {
        String message = serverMessage(e);
        failed.put(check.ref(), message);
        LOG.warn("Could not correct drift of {}: {}", check.ref(), message);
      }
    }
    return new Correction(corrected, failed, contested, retryAfter);
  }

  /**
   * What Helm's rollback would do after an upgrade failed or stopped half-way, without a Helm call and without
   * backoff (this is helmop undoing Helm's change, not a fight): the objects of the last good revision are
   * corrected like drift (ignore rules still hold) and the objects only the undone revisions created are deleted.
   * The next upgrade then starts from what Helm believes the cluster holds.
   */
  @Override
  public List<String> restore(HelmRelease release, ReleaseRecord target, List<ReleaseRecord> undone) {
    IgnoreRules ignore;
    try {
      ignore = ignoreRules(release).everyWriter(); // what Helm's failed operation changed is Helm's, not a person's
    } catch (ReconcileFailure invalid) {
      ignore = IgnoreRules.none(); // reported by the reconcile; restoring everything is the safe side
    }
    List<String> problems = new ArrayList<>();
    List<ObjectNode> targetObjects = ManifestObjects.parse(target.manifest());
    String label = ReleaseLabel.valueOf(release);
    List<ObjectNode> undoneObjects = undone.stream()
        .flatMap(revision -> ManifestObjects.parse(revision.manifest()).stream()).toList();
    for (ObjectNode object : targetObjects) {
      Set<String> leftovers = new java.util.TreeSet<>();
      undoneObjects.stream().filter(other -> sameObject(object, other))
          .forEach(other -> leftovers.addAll(DriftComparator.leftovers(object, other)));
      restoreObject(object, target, label, ignore, leftovers).ifPresent(problems::add);
    }
    // every object of the target counts as kept, also those the check skips (opted out of drift detection)
    Set<ObjectRef> kept = refs(targetObjects, target.namespace()).keySet();
    Map<ObjectRef, ResourceDefinitionContext> created = new LinkedHashMap<>();
    undone.forEach(revision -> created.putAll(refs(ManifestObjects.parse(revision.manifest()), revision.namespace())));
    created.forEach((ref, resource) -> {
      if (kept.contains(ref)) {
        return;
      }
      try {
        if (!Objects.handle(client, resource, ref).delete().isEmpty()) {
          LOG.info("Deleted {}: a revision after {} created it and did not succeed", ref, target.revision());
        }
      } catch (KubernetesClientException e) {
        problems.add(ref + ": " + serverMessage(e));
      }
    });
    return problems;
  }

  /**
   * One object of the target put back; a correction whose guard meets a newer write compares it again (a few
   * times), as drift corrections do. Returns what went wrong, with the API server's message.
   */
  private Optional<String> restoreObject(ObjectNode object, ReleaseRecord target, String label, IgnoreRules ignore,
      Set<String> leftovers) {
    String problem = null;
    for (int attempt = 1; attempt <= MAX_RACES; attempt++) {
      try {
        Optional<ObjectCheck> checked = detector.checkForRestore(object, target.namespace(), label, ignore,
            leftovers);
        if (checked.isEmpty() || !checked.get().drifted()) {
          return Optional.empty();
        }
        ObjectCheck check = checked.get();
        corrector.correct(check);
        LOG.info("Restored {} as revision {} has it: {}", check.ref(), target.revision(), check.paths());
        return Optional.empty();
      } catch (KubernetesClientException e) {
        String ref = kinds.resolve(object.path("apiVersion").asText(), object.path("kind").asText())
            .map(resource -> ObjectRef.of(object, resource, target.namespace()).toString())
            .orElse(object.path("kind").asText() + " " + object.path("metadata").path("name").asText());
        return Optional.of(ref + ": " + serverMessage(e));
      } catch (DriftCorrector.ObjectChangedException e) {
        problem = e.getMessage();
      }
    }
    return Optional.of(problem);
  }

  /** The same object in two revisions' manifests (the namespace as the chart wrote it, usually none). */
  private static boolean sameObject(ObjectNode a, ObjectNode b) {
    return a.path("apiVersion").asText().equals(b.path("apiVersion").asText())
        && a.path("kind").asText().equals(b.path("kind").asText())
        && a.path("metadata").path("name").asText().equals(b.path("metadata").path("name").asText())
        && a.path("metadata").path("namespace").asText().equals(b.path("metadata").path("namespace").asText());
  }

  /** The manifest's objects of kinds the API server serves, by reference. */
  private Map<ObjectRef, ResourceDefinitionContext> refs(List<ObjectNode> manifest, String releaseNamespace) {
    Map<ObjectRef, ResourceDefinitionContext> refs = new LinkedHashMap<>();
    for (ObjectNode object : manifest) {
      kinds.resolve(object.path("apiVersion").asText(), object.path("kind").asText())
          .ifPresent(resource -> refs.put(ObjectRef.of(object, resource, releaseNamespace), resource));
    }
    return refs;
  }

  private static String serverMessage(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : e.getMessage();
  }

  /** The release is gone, or no longer checked: stop routing its objects' events and forget its state. */
  public void forget(HelmRelease release) {
    ResourceID id = ResourceID.fromResource(release);
    manifests.remove(id);
    cleanChecks.remove(id);
    watcher.forget(ReleaseLabel.valueOf(release));
    backoff.forget(checked.getOrDefault(id, List.of()));
    checked.remove(id);
  }

  private static Optional<Duration> earliest(Optional<Duration> a, Optional<Duration> b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isEmpty() || a.get().compareTo(b.get()) <= 0 ? a : b;
  }

  /** The drifted objects of one check. */
  public record DriftFindings(List<ObjectCheck> drifted) {
    static final DriftFindings NONE = new DriftFindings(List.of());

    public boolean isEmpty() {
      return drifted.isEmpty();
    }

    /** e.g. {@code Deployment payments/payment-service: /spec/replicas, /spec/template/...} */
    public String describe() {
      return DriftDescriptions.describe(drifted);
    }
  }

  /**
   * @param retryAfter when a contested object may be corrected next
   */
  public record Correction(List<ObjectCheck> corrected, Map<ObjectRef, String> failed, List<ObjectRef> contested,
      Optional<Duration> retryAfter) {}

  private record ParsedManifest(int revision, List<ObjectNode> objects) {}

  /** A check that found no drift: what it compared, for which revision and generation, and when. */
  private record CleanCheck(int revision, Long generation, List<ObjectCheck> objects, Instant at) {
    static CleanCheck of(HelmRelease release, ReleaseRecord deployed, List<ObjectCheck> checks, Clock clock) {
      return new CleanCheck(deployed.revision(), release.getMetadata().getGeneration(), checks, clock.instant());
    }

    boolean stillHolds(HelmRelease release, ReleaseRecord deployed, ManagedObjectWatcher watcher, Clock clock) {
      Duration interval = Durations.interval(release.getSpec().getInterval());
      return revision == deployed.revision()
          && java.util.Objects.equals(generation, release.getMetadata().getGeneration())
          && clock.instant().isBefore(at.plus(interval))
          && objects.stream().allMatch(check -> unchanged(check, watcher));
    }

    private static boolean unchanged(ObjectCheck check, ManagedObjectWatcher watcher) {
      Optional<String> now = watcher.cached(check.resource(), check.ref()).map(Objects::fingerprint);
      if (!now.filter(check.liveFingerprint()::equals).isPresent()) {
        LOG.debug("{} {} since the last drift check", check.ref(), now.isEmpty() ? "is not cached" : "changed");
        return false;
      }
      return true;
    }
  }
}
