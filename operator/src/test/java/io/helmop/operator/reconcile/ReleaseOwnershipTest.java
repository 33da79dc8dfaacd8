package io.helmop.operator.reconcile;

import static io.helmop.operator.reconcile.HelmReleaseReconcilerTest.condition;
import static io.helmop.operator.reconcile.HelmReleaseReconcilerTest.release;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.helmop.api.v1alpha1.DependencyReference;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.TenantLimits;
import io.helmop.operator.dependency.SettleWindow;
import io.helmop.operator.drift.DriftCheck;
import io.helmop.operator.drift.KindCatalog;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.metrics.HelmopMetrics;
import io.helmop.operator.policy.DryRun;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.reconcile.HelmReleaseReconcilerTest.TestClock;
import io.helmop.operator.release.FakeHelmEngine;
import io.helmop.operator.release.ReleaseOwner;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.values.ReferenceWatcher;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who owns a Helm release, through the whole reconcile: the marks on Helm's records, a second HelmRelease naming
 * a release it does not own, adoption of a release nobody owns (and its refusal), releases helmop made before it
 * marked them, and the lockdown of references to other namespaces.
 */
@EnableKubernetesMockClient(crud = true)
class ReleaseOwnershipTest {
  static final String ME = "helmop-test";

  KubernetesClient client;
  @TempDir
  Path workDir;

  TestClock clock = new TestClock(Instant.parse("2026-11-30T12:00:00Z"));
  FakeHelmEngine helm;
  InMemoryReleaseCache cache = new InMemoryReleaseCache();
  HelmReleaseReconciler reconciler;
  ReferenceWatcher references;
  ManagedObjectWatcher watcher;

  void start(TenantLimits.Settings limits) {
    helm = new FakeHelmEngine(client, clock);
    references = new ReferenceWatcher(client);
    watcher = new ManagedObjectWatcher(client);
    reconciler = HelmReleaseReconcilerTest.reconciler(client, helm, clock, workDir, references, watcher, limits);
  }

  @AfterEach
  void tearDown() {
    if (references != null) {
      references.close();
      watcher.close();
    }
  }

  // --- two HelmReleases naming one release

  @Test
  void everyRevisionHelmopMakesIsMarkedWithItsHelmRelease() throws Exception {
    start(TenantLimits.Settings.OPEN);
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    change(web, "message: two");
    reconcile(web);

    assertThat(helm.records("apps", "web")).hasSize(2).allSatisfy(record -> assertThat(record.markedOwner())
        .contains(new ReleaseOwner("apps", "web", "uid-web")));
    assertThat(secret("apps", "web", 2).getMetadata().getLabels())
        .containsEntry(ReleaseOwner.NAMESPACE_LABEL, "apps").containsEntry(ReleaseOwner.NAME_LABEL, "web")
        .containsEntry(ReleaseOwner.UID_LABEL, "uid-web");
  }

  @Test
  void aSecondHelmReleaseNamingAnOwnedReleaseStallsWithoutAnyHelmCallAndDoesNotFight() throws Exception {
    start(TenantLimits.Settings.OPEN);
    HelmRelease owner = cache.put(release("web", "message: one"));
    reconcile(owner);
    HelmRelease intruder = release("intruder", "message: mine");
    intruder.getMetadata().setNamespace("team-b");
    intruder.getSpec().setReleaseName("web");
    intruder.getSpec().setTargetNamespace("apps");
    intruder = cache.put(intruder);

    for (int i = 0; i < 5; i++) {
      reconcile(intruder);
      reconcile(owner);
    }

    assertThat(helm.operations()).as("only the owner's install").containsExactly("install apps/web");
    assertThat(helm.calls).as("not even a render for the intruder").noneMatch(c -> c.contains("team-b"));
    assertThat(helm.records("apps", "web")).hasSize(1);
    Condition ready = condition(cache.latest(intruder).getStatus().getConditions(), "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("ReleaseOwnedByAnother");
    assertThat(ready.getMessage()).contains("belongs to HelmRelease apps/web")
        .contains("Pick another spec.releaseName or spec.targetNamespace, or delete HelmRelease apps/web");
    assertThat(condition(cache.latest(intruder).getStatus().getConditions(), "Stalled").getStatus())
        .isEqualTo("True");
    assertThat(events("team-b", "intruder")).as("one Event for the situation").containsExactly(
        "ReleaseOwnedByAnother");
    assertThat(condition(cache.latest(owner).getStatus().getConditions(), "Ready").getStatus()).isEqualTo("True");
  }

  @Test
  void deletingTheHelmReleaseThatDoesNotOwnTheReleaseLeavesItInstalled() throws Exception {
    start(TenantLimits.Settings.OPEN);
    HelmRelease owner = cache.put(release("web", "message: one"));
    reconcile(owner);
    HelmRelease intruder = release("intruder", "message: mine");
    intruder.getSpec().setReleaseName("web");
    intruder = cache.put(intruder);
    reconcile(intruder);
    DeleteControl control = delete(intruder);

    assertThat(control.isRemoveFinalizer()).isTrue();
    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(helm.records("apps", "web")).extracting(ReleaseRecord::status).containsExactly("deployed");
  }

  // --- adoption

  @Test
  void adoptingAReleaseNobodyOwnsIsAnnouncedAndMarksIt() throws Exception {
    start(TenantLimits.Settings.OPEN);
    helm.write("apps", "web", 1, "deployed", "Install complete", Map.of("message", "cli"));
    HelmRelease web = cache.put(release("web", "message: one"));

    reconcile(web);

    assertThat(helm.operations()).containsExactly("upgrade apps/web");
    assertThat(events("apps", "web")).contains("ReleaseAdopted");
    assertThat(eventMessages("apps", "web")).anySatisfy(m -> assertThat(m).startsWith(
        "Adopted Helm release web in namespace apps (revision 1, hello-0.1.0), which was installed by another "
            + "client"));
    assertThat(ReleaseRecords.owner(helm.records("apps", "web"))).contains(ReleaseOwner.of(web));
  }

  @Test
  void withAdoptionRefusedAnUnownedReleaseStallsAndStaysUntouchedAlsoOnDeletion() throws Exception {
    start(new TenantLimits.Settings(false, true));
    helm.write("apps", "web", 1, "deployed", "Install complete", Map.of("message", "cli"));
    HelmRelease web = cache.put(release("web", "message: one"));

    reconcile(web);
    reconcile(web);

    assertThat(helm.calls).isEmpty();
    Condition ready = condition(cache.latest(web).getStatus().getConditions(), "Ready");
    assertThat(ready.getReason()).isEqualTo("AdoptionRefused");
    assertThat(ready.getMessage()).contains("Helm release web in namespace apps (revision 1, hello-0.1.0)")
        .contains("--adopt-releases=false");
    assertThat(condition(cache.latest(web).getStatus().getConditions(), "Stalled").getStatus()).isEqualTo("True");
    assertThat(events("apps", "web")).containsExactly("AdoptionRefused");

    assertThat(delete(web).isRemoveFinalizer()).isTrue();
    assertThat(helm.calls).as("no uninstall of the CLI's release").isEmpty();
    assertThat(helm.records("apps", "web")).hasSize(1);
  }

  // --- releases helmop made before it marked them

  @Test
  void aReleaseHelmopMadeBeforeMarksIsClaimedByItsHelmReleaseWithoutAHelmCall() throws Exception {
    start(TenantLimits.Settings.OPEN);
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    unmark("apps", "web", 1);
    assertThat(ReleaseRecords.owner(helm.records("apps", "web"))).isEmpty();
    int calls = helm.calls.size();

    reconcile(web);

    assertThat(helm.calls).as("no Helm call, no revision").hasSize(calls);
    assertThat(ReleaseRecords.owner(helm.records("apps", "web"))).contains(ReleaseOwner.of(web));
    assertThat(condition(cache.latest(web).getStatus().getConditions(), "Ready").getStatus()).isEqualTo("True");

    HelmRelease second = release("second", "message: two");
    second.getSpec().setReleaseName("web");
    second = cache.put(second);
    reconcile(second);
    assertThat(condition(cache.latest(second).getStatus().getConditions(), "Ready").getReason())
        .isEqualTo("ReleaseOwnedByAnother");
  }

  @Test
  void aHelmReleaseCreatedAgainUnderItsNameGetsItsReleaseBack() throws Exception {
    start(TenantLimits.Settings.OPEN);
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    HelmRelease again = release("web", "message: one");
    again.getMetadata().setUid("uid-web-2");
    again = cache.put(again);

    reconcile(again);

    assertThat(ReleaseRecords.owner(helm.records("apps", "web"))).contains(new ReleaseOwner("apps", "web",
        "uid-web-2"));
    assertThat(condition(cache.latest(again).getStatus().getConditions(), "Ready").getStatus()).isEqualTo("True");
  }

  // --- references to other namespaces

  @Test
  void theLockdownRefusesATargetNamespaceElsewhereNamingTheFieldAndValue() throws Exception {
    start(new TenantLimits.Settings(true, false));
    HelmRelease web = release("web", "message: one");
    web.getSpec().setTargetNamespace("kube-system");
    web = cache.put(web);

    reconcile(web);
    reconcile(web);

    assertThat(helm.calls).isEmpty();
    Condition ready = condition(cache.latest(web).getStatus().getConditions(), "Ready");
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).startsWith("spec.targetNamespace \"kube-system\" is outside this HelmRelease's "
        + "namespace \"apps\"").contains("--no-cross-namespace-refs");
    assertThat(events("apps", "web")).containsExactly("InvalidSpec");
  }

  @Test
  void theLockdownRefusesADependencyInAnotherNamespaceButAcceptsItsOwn() throws Exception {
    start(new TenantLimits.Settings(true, false));
    HelmRelease web = release("web", "message: one");
    web.getSpec().setTargetNamespace("apps");
    DependencyReference db = new DependencyReference();
    db.setName("db");
    db.setNamespace("team-b");
    web.getSpec().setDependsOn(List.of(db));
    web = cache.put(web);

    reconcile(web);

    assertThat(condition(cache.latest(web).getStatus().getConditions(), "Ready").getMessage())
        .startsWith("spec.dependsOn[0].namespace \"team-b\" (HelmRelease team-b/db) is outside this "
            + "HelmRelease's namespace \"apps\"");
    assertThat(helm.calls).isEmpty();
  }

  @Test
  void withoutTheLockdownADependentInAnotherNamespaceDoesNotHoldADeletion() throws Exception {
    start(TenantLimits.Settings.OPEN);
    HelmRelease foundation = cache.put(release("foundation", "message: base"));
    reconcile(foundation);
    HelmRelease other = release("app", "message: one");
    other.getMetadata().setNamespace("team-b");
    DependencyReference dependency = new DependencyReference();
    dependency.setName("foundation");
    dependency.setNamespace("apps");
    other.getSpec().setDependsOn(List.of(dependency));
    cache.put(other);
    DeleteControl control = delete(foundation);

    assertThat(control.isRemoveFinalizer()).isTrue();
    assertThat(helm.operations()).contains("uninstall apps/foundation");
  }

  // --- the harness

  void reconcile(HelmRelease release) throws ReconcileFailure {
    reconciler.reconcile(cache.latest(release), cache);
  }

  /** `kubectl delete`: the deletion timestamp, then the finalizer's cleanup. */
  DeleteControl delete(HelmRelease release) {
    HelmRelease deleting = cache.latest(release);
    deleting.getMetadata().setDeletionTimestamp("2026-11-30T12:01:00Z");
    cache.put(deleting);
    return reconciler.cleanup(cache.latest(release), cache);
  }

  void change(HelmRelease release, String values) throws Exception {
    HelmRelease changed = cache.latest(release);
    changed.getSpec().setValues((com.fasterxml.jackson.databind.node.ObjectNode)
        HelmReleaseReconcilerTest.yaml(values));
    changed.getMetadata().setGeneration(changed.getMetadata().getGeneration() + 1);
    cache.put(changed);
  }

  Secret secret(String namespace, String name, int revision) {
    return client.secrets().inNamespace(namespace).withName("sh.helm.release.v1." + name + ".v" + revision).get();
  }

  /** As a release looks that helmop made before it marked releases. */
  void unmark(String namespace, String name, int revision) {
    client.secrets().inNamespace(namespace).withName("sh.helm.release.v1." + name + ".v" + revision)
        .edit(secret -> {
          secret.getMetadata().getLabels().keySet().removeIf(key -> key.startsWith("helmop.io/owner-"));
          return secret;
        });
  }

  List<String> events(String namespace, String name) {
    return eventsOf(namespace, name).stream().map(Event::getReason).toList();
  }

  List<String> eventMessages(String namespace, String name) {
    return eventsOf(namespace, name).stream().map(Event::getMessage).toList();
  }

  private List<Event> eventsOf(String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }
}
