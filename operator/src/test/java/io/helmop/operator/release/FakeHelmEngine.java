package io.helmop.operator.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * A HelmEngine for unit tests of the reconcile: it keeps Helm's release records where Helm does (Secrets
 * {@code sh.helm.release.v1.NAME.vN}, on the API server the test gives it), records every call, and does what a
 * test tells it: succeed, fail with a given Helm message (with Helm's atomic rollback when asked), hang until the
 * operation is stopped, or die half-way leaving a pending revision.
 */
public final class FakeHelmEngine implements HelmEngine {
  private static final ObjectMapper JSON = new ObjectMapper();

  public enum Next { SUCCEED, FAIL, HANG_UNTIL_STOPPED, DIE_LEAVING_PENDING, TESTS_FAIL }

  private final KubernetesClient client;
  private final Clock clock;
  /** Every call, as "install NAMESPACE/NAME", "upgrade …", "template …", "uninstall …". */
  public final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile Next next = Next.SUCCEED;
  private volatile String helmMessage = "";
  private volatile String templateFailure;
  private volatile RenderedRelease rendered = RenderedRelease.of(List.of());
  private volatile List<String> lintMessages = List.of();
  private volatile String uninstallFailure;

  public FakeHelmEngine(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void succeed() {
    next = Next.SUCCEED;
  }

  /** Installs and upgrades fail with Helm's {@code message} until told otherwise. */
  public void failWith(String message) {
    next = Next.FAIL;
    helmMessage = message;
  }

  /**
   * Installs and upgrades succeed, but a request with tests (spec.test) then fails them: the revision's test hook
   * is recorded as failed, as `helm test` leaves it, and the call ends in {@link HelmTestsFailedException}.
   */
  public void failTestsWith(String message) {
    next = Next.TESTS_FAIL;
    helmMessage = message;
  }

  public void hangUntilStopped() {
    next = Next.HANG_UNTIL_STOPPED;
  }

  /** The next operation writes its pending revision and never finishes, as when the operator is SIGKILLed. */
  public void dieLeavingPending() {
    next = Next.DIE_LEAVING_PENDING;
  }

  public void failTemplateWith(String message) {
    templateFailure = message;
  }

  public void failUninstallWith(String message) {
    uninstallFailure = message;
  }

  /** Helm operations (install, upgrade, uninstall): what makes or removes revisions. */
  public List<String> operations() {
    return calls.stream().filter(c -> !c.startsWith("template") && !c.startsWith("lint")).toList();
  }

  @Override
  public void install(ReleaseRequest request, String description, BooleanSupplier superseded) {
    calls.add("install " + request.namespace() + "/" + request.releaseName());
    operate(request, 1, "install", description, superseded);
  }

  @Override
  public void upgrade(ReleaseRequest request, String description, BooleanSupplier superseded) {
    calls.add("upgrade " + request.namespace() + "/" + request.releaseName());
    int revision = records(request.namespace(), request.releaseName()).stream()
        .mapToInt(ReleaseRecord::revision).max().orElse(0) + 1;
    operate(request, revision, "upgrade", description, superseded);
  }

  private void operate(ReleaseRequest request, int revision, String action, String description,
      BooleanSupplier superseded) {
    String ns = request.namespace();
    String name = request.releaseName();
    switch (next) {
      case SUCCEED -> {
        supersedeDeployed(ns, name);
        // Helm's own rule: the description given, else "Install complete" / "Upgrade complete"
        write(ns, name, revision, "deployed", description != null ? description : action + " complete",
            request.values());
      }
      case FAIL -> {
        write(ns, name, revision, "failed", action + " failed: " + helmMessage, request.values());
        ReleaseRecord lastGood = records(ns, name).stream().filter(ReleaseRecord::isDeployed).findFirst()
            .orElse(null);
        if (request.atomic() && lastGood != null) { // Helm's atomic mode: the last good revision again
          supersedeDeployed(ns, name);
          write(ns, name, revision + 1, "deployed", "Rollback to " + lastGood.revision(),
              JSON.convertValue(lastGood.config(), Map.class));
          throw new HelmException(helmMessage + " (and rolled back)", null);
        }
        throw new HelmException(helmMessage, null);
      }
      case TESTS_FAIL -> {
        supersedeDeployed(ns, name);
        boolean tested = request.options().test().enable();
        write(ns, name, revision, "deployed", description != null ? description : action + " complete",
            request.values(), clock.instant(), tested ? "Failed" : "");
        if (tested) {
          throw new HelmTestsFailedException(helmMessage);
        }
      }
      case HANG_UNTIL_STOPPED -> {
        write(ns, name, revision, "pending-" + action, "Preparing " + action, request.values());
        while (!superseded.getAsBoolean()) {
          pause();
        }
        throw new HelmStoppedException("helmop stopped the " + action + " of release " + name);
      }
      case DIE_LEAVING_PENDING -> {
        write(ns, name, revision, "pending-" + action, "Preparing " + action, request.values());
        throw new IllegalStateException("the operator process died here");
      }
    }
  }

  @Override
  public void uninstall(String releaseName, String namespace) {
    calls.add("uninstall " + namespace + "/" + releaseName);
    if (uninstallFailure != null) {
      throw new HelmException(uninstallFailure, null);
    }
    client.secrets().inNamespace(namespace).withLabels(Map.of("owner", "helm", "name", releaseName)).delete();
  }

  /** What the next renders return (objects and hooks the policy rules then check); nothing by default. */
  public void renderWith(RenderedRelease rendered) {
    this.rendered = rendered;
  }

  /** The next renders end in this exception (a render bound, say) instead of a result. */
  public void failRenderWith(HelmException failure) {
    this.renderFailure = failure;
  }

  private volatile HelmException renderFailure;

  @Override
  public RenderedRelease render(ReleaseRequest request, String kubeVersion) {
    calls.add("template " + request.namespace() + "/" + request.releaseName());
    if (renderFailure != null) {
      throw renderFailure;
    }
    if (templateFailure != null) {
      throw new HelmException(templateFailure, null);
    }
    return rendered;
  }

  /** What the next lints report (Helm's lines, "[ERROR] ..."); a clean chart by default. */
  public void lintWith(List<String> messages) {
    this.lintMessages = List.copyOf(messages);
  }

  @Override
  public LintReport lint(ReleaseRequest request) {
    calls.add("lint " + request.namespace() + "/" + request.releaseName());
    return new LintReport(lintMessages.stream().anyMatch(m -> m.startsWith("[ERROR]")), lintMessages);
  }

  /** A revision as Helm would have stored it (for situations another client left behind). */
  public void write(String namespace, String name, int revision, String status, String description,
      Map<String, Object> values) {
    write(namespace, name, revision, status, description, values, clock.instant());
  }

  public void write(String namespace, String name, int revision, String status, String description,
      Map<String, Object> values, Instant lastDeployed) {
    write(namespace, name, revision, status, description, values, lastDeployed, null);
  }

  /** @param testPhase the last run of the chart's test hook Job/NAME-smoke; null: a chart without tests */
  public void write(String namespace, String name, int revision, String status, String description,
      Map<String, Object> values, Instant lastDeployed, String testPhase) {
    ObjectNode release = JSON.createObjectNode();
    release.put("name", name).put("namespace", namespace).put("version", revision);
    release.putObject("info").put("status", status).put("description", description)
        .put("last_deployed", lastDeployed.toString());
    release.putObject("chart").putObject("metadata").put("name", "hello").put("version", "0.1.0")
        .put("appVersion", "1.0.0");
    release.set("config", JSON.valueToTree(values));
    release.put("manifest", "");
    if (testPhase != null) {
      ObjectNode hook = release.putArray("hooks").addObject().put("name", name + "-smoke").put("kind", "Job");
      hook.putArray("events").add("test");
      hook.putObject("last_run").put("phase", testPhase);
    }
    String secretName = "sh.helm.release.v1." + name + ".v" + revision;
    Map<String, String> labels = new HashMap<>();
    // Helm 3.13+ keeps a record's custom labels (helmop's owner marks) when it rewrites the record
    Secret existing = client.secrets().inNamespace(namespace).withName(secretName).get();
    if (existing != null && existing.getMetadata().getLabels() != null) {
      labels.putAll(existing.getMetadata().getLabels());
    }
    labels.putAll(Map.of("owner", "helm", "name", name, "status", status, "version", String.valueOf(revision)));
    Secret secret = new SecretBuilder().withNewMetadata()
        .withName(secretName).withNamespace(namespace)
        .withLabels(labels)
        .endMetadata()
        .withType("helm.sh/release.v1")
        .addToData("release", ReleaseRecords.encode(release))
        .build();
    client.secrets().inNamespace(namespace).resource(secret).createOr(current -> current.update());
  }

  /** Helm's history as `helm history` would show it, newest first. */
  public List<ReleaseRecord> records(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withLabels(Map.of("owner", "helm", "name", name)).list()
        .getItems().stream().map(ReleaseRecords::decode)
        .sorted(Comparator.comparingInt(ReleaseRecord::revision).reversed()).toList();
  }

  private void supersedeDeployed(String namespace, String name) {
    records(namespace, name).stream().filter(ReleaseRecord::isDeployed).forEach(r -> write(namespace, name,
        r.revision(), "superseded", r.description(), JSON.convertValue(r.config(), Map.class)));
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HelmStoppedException("interrupted");
    }
  }
}
