package io.helmop.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.api.v1alpha1.DependencyReference;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.LastAttempt;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.Durations;
import io.helmop.operator.dependency.SettleWindow;
import io.helmop.operator.drift.DriftCheck;
import io.helmop.operator.drift.KindCatalog;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.policy.DryRun;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.FakeHelmEngine;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.metrics.HelmopMetrics;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.rollback.RollbackRequest;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.values.ReferenceWatcher;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole reconcile, in milliseconds: the real reconciler and its actions, Helm's release records on an API
 * server stand-in (fabric8's mock server in CRUD mode), a fake Helm engine that does what each test says, an
 * in-memory HelmRelease cache and a clock the test moves. What needs a real API server (drift, Helm itself) is
 * proven end to end in e2e/.
 */
@EnableKubernetesMockClient(crud = true)
class HelmReleaseReconcilerTest {
  static final String ME = "helmop-test";
  static final ObjectMapper JSON = new ObjectMapper();

  KubernetesClient client;
  @TempDir
  Path workDir;

  TestClock clock = new TestClock(Instant.parse("2026-11-30T12:00:00Z"));
  FakeHelmEngine helm;
  InMemoryReleaseCache cache = new InMemoryReleaseCache();
  HelmReleaseReconciler reconciler;
  ReferenceWatcher references;
  ManagedObjectWatcher watcher;

  @BeforeEach
  void setUp() {
    helm = new FakeHelmEngine(client, clock);
    references = new ReferenceWatcher(client);
    watcher = new ManagedObjectWatcher(client);
    reconciler = reconciler(client, helm, clock, workDir, references, watcher,
        io.helmop.operator.config.TenantLimits.Settings.OPEN);
  }

  /** The reconciler as the operator builds it, on the mock server, the fake Helm and the test's clock. */
  static HelmReleaseReconciler reconciler(KubernetesClient client, FakeHelmEngine helm, TestClock clock,
      Path workDir, ReferenceWatcher references, ManagedObjectWatcher watcher,
      io.helmop.operator.config.TenantLimits.Settings limits) {
    return new HelmReleaseReconciler(HelmReleaseReconcilerTest::plan, new ReleaseRecords(client), helm,
        new Preflight(helm, DryRun.NONE, () -> "v1.33.0", PolicySpec.Mode.Warn), new StatusFactory(clock, ME),
        new EventRecorder(client, clock, ME), new SettleWindow(Duration.ZERO, clock),
        references, new DriftCheck(client, new KindCatalog(client, clock), watcher, clock), watcher, workDir, clock,
        ME, HelmopMetrics.none(), limits, io.helmop.operator.tenancy.Impersonation.off());
  }

  @AfterEach
  void tearDown() {
    references.close();
    watcher.close();
  }

  // --- install, upgrade, and nothing when nothing changed

  @Test
  void installsAndThenAnUnchangedReleaseCostsNoHelmCallAndNoStatusWrite() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));

    reconcile(web);

    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(ready(web)).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("InstallSucceeded");
    });
    assertThat(events(web)).contains("InstallSucceeded");
    int writes = cache.writes.size();

    for (int i = 0; i < 3; i++) {
      reconcile(web);
    }

    assertThat(helm.calls).as("no template, lint, install or upgrade").hasSize(3);
    assertThat(cache.writes).as("no status write").hasSize(writes);
    assertThat(helm.records("apps", "web")).hasSize(1);
  }

  @Test
  void theReadyMessageSaysWhichStateHelmopActsOn() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    change(web, "message: two");

    reconcile(web);

    assertThat(helm.operations()).containsExactly("install apps/web", "upgrade apps/web");
    assertThat(cache.writes).extracting(s -> condition(s.getConditions(), "Ready").getMessage())
        .contains("Upgrading chart hello-0.1.0 as release web in namespace apps (the release is out of sync: the "
            + "chart or the values changed since revision 1)");
    assertThat(ready(web).getReason()).isEqualTo("UpgradeSucceeded");
    assertThat(latest(web).getStatus().getLastAppliedRevision()).isEqualTo(2);
  }

  @Test
  void aReleaseTheHelmCliInstalledIsAdoptedWithOneNewRevision() throws Exception {
    helm.write("apps", "web", 1, "deployed", "Install complete", Map.of("message", "cli"));
    HelmRelease web = cache.put(release("web", "message: one"));

    reconcile(web);

    assertThat(helm.operations()).containsExactly("upgrade apps/web");
    assertThat(cache.writes.get(0).getConditions()).anySatisfy(c -> assertThat(c.getMessage())
        .startsWith("Adopting Helm release web (revision 1, hello-0.1.0, installed by another client)"));
    assertThat(helm.records("apps", "web")).extracting(ReleaseRecord::status).containsExactly("deployed",
        "superseded");
  }

  @Test
  void anIntervalBelowFiveSecondsIsRaisedToFive() throws Exception {
    HelmRelease web = release("web", "message: one");
    web.getSpec().setInterval("1s");
    web = cache.put(web);

    UpdateControl<HelmRelease> control = reconcile(web);

    assertThat(control.getScheduleDelay()).contains(Duration.ofSeconds(5).toMillis());
    assertThat(Durations.interval("1s")).isEqualTo(Duration.ofSeconds(5));
  }

  // --- suspend

  @Test
  void aSuspendedReleaseTakesNoActionAndItsDeletionKeepsTheHelmRelease() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    HelmRelease suspended = latest(web);
    suspended.getSpec().setSuspend(true);
    cache.put(suspended);
    change(web, "message: two");

    reconcile(latest(web));

    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(condition(latest(web).getStatus().getConditions(), "Reconciling").getReason())
        .isEqualTo("Suspended");

    HelmRelease deleting = latest(web);
    deleting.getMetadata().setDeletionTimestamp("2026-11-30T12:01:00Z");
    DeleteControl control = reconciler.cleanup(deleting, cache);

    assertThat(control.isRemoveFinalizer()).isTrue();
    assertThat(helm.operations()).as("no uninstall").containsExactly("install apps/web");
    assertThat(helm.records("apps", "web")).extracting(ReleaseRecord::status).containsExactly("deployed");
  }

  // --- failures, retries, stalls

  @Test
  void aFailedUpgradeIsRetriedUntilTheRetriesAreUsedUpThenStallsWithoutHelmCalls() throws Exception {
    HelmRelease web = release("web", "message: one");
    web.getSpec().setUpgrade(new UpgradeSpec());
    web.getSpec().getUpgrade().setRetries(1);
    web = cache.put(web);
    reconcile(web);
    helm.failWith("context deadline exceeded: timed out waiting for Deployment apps/web to become ready");
    change(web, "message: broken");

    for (int attempt = 1; attempt <= 2; attempt++) {
      assertThatThrownBy(() -> reconcile(latest(cache.latest(release("web", "")))))
          .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("UpgradeFailed"));
    }
    HelmRelease failed = latest(web);
    assertThat(condition(failed.getStatus().getConditions(), "Released").getMessage())
        .contains("timed out waiting for Deployment apps/web");
    assertThat(failed.getStatus().getLastAttempt().getFailures()).isEqualTo(2);
    int operations = helm.operations().size();

    reconcile(failed);

    assertThat(helm.operations()).as("no more Helm calls").hasSize(operations);
    assertThat(ready(web)).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo("RetriesExhausted");
      assertThat(c.getMessage()).contains("failed 2 times (spec.upgrade.retries=1)")
          .contains("The last good revision keeps serving").contains("timed out waiting for Deployment");
    });
    assertThat(condition(latest(web).getStatus().getConditions(), "Stalled").getStatus()).isEqualTo("True");
    // Helm's atomic mode rolled each failure back: the last good values still serve
    assertThat(helm.records("apps", "web").get(0)).satisfies(r -> {
      assertThat(r.isDeployed()).isTrue();
      assertThat(r.config().path("message").asText()).isEqualTo("one");
    });

    helm.succeed();
    change(web, "message: fixed");
    reconcile(latest(web));
    assertThat(ready(web).getReason()).as("a new spec starts afresh").isEqualTo("UpgradeSucceeded");
  }

  @Test
  void aChartThatDoesNotRenderStallsBeforeAnyHelmOperation() throws Exception {
    helm.failTemplateWith("template: hello/templates/cm.yaml:3:14: executing \"cm\" at <.Values.x.y>: nil pointer");
    HelmRelease web = cache.put(release("web", "message: one"));

    reconcile(web);

    assertThat(helm.operations()).isEmpty();
    assertThat(ready(web)).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo("RenderFailed");
      assertThat(c.getMessage()).contains("templates/cm.yaml:3:14");
    });
    assertThat(events(web)).containsOnlyOnce("RenderFailed");
    reconcile(latest(web));
    assertThat(events(web)).as("one Event for one situation").containsOnlyOnce("RenderFailed");
  }

  // --- pending revisions

  @Test
  void aPendingRevisionOfAnotherClientWaitsUntilItsTimeoutPlusOneMinuteThenIsUnlockedAndUpgraded()
      throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    helm.write("apps", "web", 2, "pending-upgrade", "Preparing upgrade", Map.of("message", "cli"));
    change(web, "message: two");

    UpdateControl<HelmRelease> control = reconcile(latest(web));

    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(ready(web).getReason()).isEqualTo("ReleaseLocked");
    assertThat(control.getScheduleDelay()).as("looks again when it counts as abandoned (5 min timeout + 1 min)")
        .contains(Duration.ofMinutes(6).plusSeconds(1).toMillis());

    clock.advance(Duration.ofMinutes(6));
    reconcile(latest(web));

    assertThat(helm.operations()).containsExactly("install apps/web", "upgrade apps/web");
    List<ReleaseRecord> history = helm.records("apps", "web");
    assertThat(history).extracting(ReleaseRecord::status).containsExactly("deployed", "failed", "superseded");
    assertThat(history.get(1).description()).startsWith("helmop: marked failed, the operation that left it "
        + "pending-upgrade is gone").contains("objects restored to revision 1");
    assertThat(ready(web).getReason()).isEqualTo("UpgradeSucceeded");
  }

  @Test
  void aPendingRevisionStartedByAHelmopProcessThatIsGoneIsUnlockedAtOnce() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    helm.dieLeavingPending();
    change(web, "message: two");
    assertThatThrownBy(() -> reconcile(latest(web))).hasMessageContaining("died");
    assertThat(latest(web).getStatus().getLastAttempt().getResult()).isEqualTo(LastAttempt.RUNNING);

    // the next operator process (another instance id) finds the revision its predecessor left pending
    HelmReleaseReconciler successor = new HelmReleaseReconciler(HelmReleaseReconcilerTest::plan,
        new ReleaseRecords(client), helm, new Preflight(helm, DryRun.NONE, () -> "v1.33.0", PolicySpec.Mode.Warn),
        new StatusFactory(clock, "helmop-next"), new EventRecorder(client, clock,
        "helmop-next"), new SettleWindow(Duration.ZERO, clock), references, new DriftCheck(client,
        new KindCatalog(client, clock), watcher, clock), watcher, workDir, clock, "helmop-next");
    helm.succeed();
    successor.reconcile(latest(web), cache);

    List<ReleaseRecord> history = helm.records("apps", "web");
    assertThat(history).extracting(ReleaseRecord::status).containsExactly("deployed", "failed", "superseded");
    assertThat(history.get(1).description()).startsWith("helmop: marked failed, the helmop process that started it "
        + "(" + ME + ") is gone");
    assertThat(ready(web).getReason()).isEqualTo("UpgradeSucceeded");
    assertThat(cache.writes).as("the killed attempt counted against the retries").anySatisfy(s -> {
      assertThat(s.getLastAttempt().getOperatorInstance()).isEqualTo("helmop-next");
      assertThat(s.getLastAttempt().getFailures()).isEqualTo(1);
    });
  }

  @Test
  void aNewGenerationStopsTheUpgradeInFlightAndTheObjectsAreRestored() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    helm.hangUntilStopped();
    change(web, "message: slow");

    CompletableFuture<Void> upgrading = CompletableFuture.runAsync(() -> {
      try {
        reconcile(latest(web));
      } catch (ReconcileFailure e) {
        throw new IllegalStateException(e);
      }
    });
    while (helm.records("apps", "web").size() < 2) {
      Thread.sleep(5);
    }
    change(web, "message: fixed");
    upgrading.get(10, TimeUnit.SECONDS);

    assertThat(ready(web).getReason()).isEqualTo("Superseded");
    assertThat(events(web)).contains("Superseded");
    assertThat(helm.records("apps", "web").get(0).description())
        .startsWith("helmop: stopped").contains("objects restored to revision 1");

    helm.succeed();
    reconcile(latest(web));

    assertThat(helm.records("apps", "web")).extracting(ReleaseRecord::status)
        .containsExactly("deployed", "failed", "superseded");
    assertThat(helm.records("apps", "web").get(0).config().path("message").asText()).isEqualTo("fixed");
  }

  @Test
  void aFailedRollbackIsRestoredOnceBeforeTheNextUpgradeAndThenNothingMoreHappens() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    // what an atomic upgrade whose rollback failed leaves: the upgrade superseded, the rollback failed
    helm.write("apps", "web", 2, "superseded", "Upgrade \"web\" failed: context deadline exceeded",
        Map.of("message", "two"));
    helm.write("apps", "web", 3, "failed", "Rollback \"web\" failed: denied by a policy", Map.of("message", "one"));
    change(web, "message: fixed");

    reconcile(latest(web));

    assertThat(helm.operations()).containsExactly("install apps/web", "upgrade apps/web");
    List<ReleaseRecord> history = helm.records("apps", "web");
    assertThat(history).extracting(ReleaseRecord::status)
        .containsExactly("deployed", "failed", "superseded", "superseded");
    assertThat(history.get(1).description()).startsWith("Rollback \"web\" failed")
        .endsWith("objects restored to revision 1");
    assertThat(ready(web).getReason()).isEqualTo("UpgradeSucceeded");
    assertThat(events(web)).containsOnlyOnce("ObjectsRestored");
    int writes = cache.writes.size();

    reconcile(latest(web));
    reconcile(latest(web));

    assertThat(helm.operations()).as("no Helm call once recovered").hasSize(2);
    assertThat(cache.writes).as("no status write once recovered").hasSize(writes);
    assertThat(events(web)).containsOnlyOnce("ObjectsRestored");
  }

  @Test
  void aNonAtomicFailureStaysAsItFailedOnceRetriesAreUsedUpAndIsRestoredBeforeTheFix() throws Exception {
    HelmRelease nonAtomic = release("web", "message: one");
    nonAtomic.getSpec().setUpgrade(new UpgradeSpec());
    nonAtomic.getSpec().getUpgrade().setAtomic(false);
    nonAtomic.getSpec().getUpgrade().setRetries(0);
    HelmRelease web = cache.put(nonAtomic);
    reconcile(web);
    helm.failWith("context deadline exceeded");
    change(web, "message: broken");
    assertThatThrownBy(() -> reconcile(latest(web))).isInstanceOf(ReconcileFailure.class);

    reconcile(latest(web));

    assertThat(ready(web).getReason()).isEqualTo("RetriesExhausted");
    assertThat(helm.records("apps", "web").get(0).description()).as("kept for inspection, as atomic=false asks")
        .doesNotContain("objects restored");

    helm.succeed();
    change(web, "message: fixed");
    reconcile(latest(web));

    assertThat(helm.records("apps", "web")).extracting(ReleaseRecord::status)
        .containsExactly("deployed", "failed", "superseded");
    assertThat(helm.records("apps", "web").get(1).description()).endsWith("objects restored to revision 1");
    assertThat(ready(web).getReason()).isEqualTo("UpgradeSucceeded");
  }

  // --- dependencies

  @Test
  void aReleaseWaitsForItsDependencyWithoutAHelmCallAndInstallsOnceItIsReady() throws Exception {
    HelmRelease app = release("app", "message: one");
    DependencyReference dependency = new DependencyReference();
    dependency.setName("foundation");
    app.getSpec().setDependsOn(List.of(dependency));
    app = cache.put(app);
    HelmRelease foundation = cache.put(release("foundation", "message: base"));

    reconcile(app);

    assertThat(helm.operations()).isEmpty();
    assertThat(ready(app)).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo("DependencyNotReady");
      assertThat(c.getMessage()).contains("apps/foundation");
    });

    reconcile(foundation);
    reconcile(latest(app));

    assertThat(helm.operations()).containsExactly("install apps/foundation", "install apps/app");
    assertThat(ready(app).getStatus()).isEqualTo("True");
  }

  // --- rollback on request

  @Test
  void aRollbackAnnotationThatIsNotARevisionIsRefusedAndRemoved() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    HelmRelease annotated = latest(web);
    annotated.getMetadata().setAnnotations(Map.of(RollbackRequest.ANNOTATION, "two"));
    cache.put(annotated);

    reconcile(latest(web));

    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(condition(latest(web).getStatus().getConditions(), "RolledBack")).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("InvalidRollbackRequest");
      assertThat(c.getMessage()).contains("\"two\" is not a revision number");
    });
    assertThat(latest(web).getMetadata().getAnnotations()).doesNotContainKey(RollbackRequest.ANNOTATION);
    assertThat(ready(web).getStatus()).as("still serving").isEqualTo("True");
  }

  @Test
  void aRollbackToAnEarlierRevisionIsHeldUntilTheSpecChanges() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    change(web, "message: two");
    reconcile(latest(web));
    HelmRelease annotated = latest(web);
    annotated.getMetadata().setAnnotations(Map.of(RollbackRequest.ANNOTATION, "1"));
    cache.put(annotated);

    reconcile(latest(web));
    reconcile(latest(web));

    assertThat(helm.operations()).containsExactly("install apps/web", "upgrade apps/web", "upgrade apps/web");
    assertThat(helm.records("apps", "web").get(0).config().path("message").asText()).isEqualTo("one");
    assertThat(ready(web).getReason()).isEqualTo("RolledBack");

    change(web, "message: three");
    reconcile(latest(web));
    assertThat(helm.records("apps", "web").get(0).config().path("message").asText()).isEqualTo("three");
  }

  // --- day-2 requests

  @Test
  void aReconcileRequestIsAnsweredInStatusAndAnEventWithoutAHelmCall() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    annotate(web, DayTwoRequests.RECONCILE, "2026-11-30T12:05:00Z");

    reconcile(latest(web));
    reconcile(latest(web));

    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(latest(web).getStatus().getLastHandledReconcileAt()).isEqualTo("2026-11-30T12:05:00Z");
    assertThat(events(web)).as("answered once").containsOnlyOnce("ReconcileRequested");
  }

  @Test
  void aForceRequestUpgradesOnceEvenThoughNothingChangedAndAlsoOutOfRetriesExhausted() throws Exception {
    HelmRelease spec = release("web", "message: one");
    spec.getSpec().setUpgrade(new UpgradeSpec());
    spec.getSpec().getUpgrade().setRetries(0);
    HelmRelease web = cache.put(spec);
    reconcile(web);
    annotate(web, DayTwoRequests.FORCE, "1");

    reconcile(latest(web));
    reconcile(latest(web));

    assertThat(helm.operations()).as("one forced upgrade").containsExactly("install apps/web", "upgrade apps/web");
    assertThat(latest(web).getStatus().getLastHandledForceAt()).isEqualTo("1");
    assertThat(events(web)).contains("UpgradeForced");

    helm.failWith("timed out waiting for the condition");
    change(web, "message: two");
    assertThatThrownBy(() -> reconcile(latest(web))).isInstanceOf(ReconcileFailure.class);
    reconcile(latest(web));
    assertThat(ready(web).getReason()).isEqualTo("RetriesExhausted");
    helm.succeed();
    annotate(web, DayTwoRequests.FORCE, "2");

    reconcile(latest(web));

    assertThat(ready(web).getReason()).isEqualTo("UpgradeSucceeded");
    assertThat(helm.records("apps", "web").get(0).config().path("message").asText()).isEqualTo("two");
  }

  @Test
  void aResetRequestStartsTheCountAgainAndHelmopTriesOnce() throws Exception {
    HelmRelease spec = release("web", "message: one");
    spec.getSpec().setUpgrade(new UpgradeSpec());
    spec.getSpec().getUpgrade().setRetries(0);
    HelmRelease web = cache.put(spec);
    reconcile(web);
    helm.failWith("timed out waiting for the condition");
    change(web, "message: two");
    assertThatThrownBy(() -> reconcile(latest(web))).isInstanceOf(ReconcileFailure.class);
    reconcile(latest(web));
    assertThat(ready(web).getReason()).isEqualTo("RetriesExhausted");
    int upgrades = helm.operations().size();

    annotate(web, DayTwoRequests.RESET, "1");
    assertThatThrownBy(() -> reconcile(latest(web))).isInstanceOf(ReconcileFailure.class);

    assertThat(helm.operations()).as("one more attempt").hasSize(upgrades + 1);
    assertThat(events(web)).contains("RetriesReset");
    assertThat(latest(web).getStatus().getLastHandledResetAt()).isEqualTo("1");
    reconcile(latest(web));
    assertThat(ready(web).getReason()).as("and then stalled again").isEqualTo("RetriesExhausted");
    assertThat(helm.operations()).hasSize(upgrades + 1);
  }

  @Test
  void retriesMinusOneRetriesForever() throws Exception {
    HelmRelease spec = release("web", "message: one");
    spec.getSpec().setUpgrade(new UpgradeSpec());
    spec.getSpec().getUpgrade().setRetries(-1);
    HelmRelease web = cache.put(spec);
    reconcile(web);
    helm.failWith("timed out waiting for the condition");
    change(web, "message: two");

    for (int attempt = 0; attempt < 6; attempt++) {
      assertThatThrownBy(() -> reconcile(latest(cache.latest(release("web", "")))))
          .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("UpgradeFailed"));
    }
    assertThat(helm.operations()).filteredOn(o -> o.startsWith("upgrade")).hasSize(6);
  }

  // --- deletion

  @Test
  void aFailedUninstallKeepsTheFinalizerAndSaysWhyThenASuccessfulOneRemovesIt() throws Exception {
    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    helm.failUninstallWith("uninstallation completed with 1 error(s): context deadline exceeded");
    HelmRelease deleting = latest(web);
    deleting.getMetadata().setDeletionTimestamp("2026-11-30T12:01:00Z");
    cache.put(deleting);

    assertThatThrownBy(() -> reconciler.cleanup(latest(web), cache)).hasMessageContaining("context deadline");

    assertThat(ready(web).getReason()).isEqualTo("UninstallFailed");
    assertThat(events(web)).contains("UninstallFailed");
    assertThat(helm.records("apps", "web")).isNotEmpty();

    helm.failUninstallWith(null);
    assertThat(reconciler.cleanup(latest(web), cache).isRemoveFinalizer()).isTrue();
    assertThat(helm.records("apps", "web")).isEmpty();
    assertThat(events(web)).contains("Uninstalled");
  }

  @Test
  void aServiceAccountRefusedHelmsRecordsGetsForbiddenNamingItTheVerbAndTheResourceAndNoHelmCall() {
    ReleaseRecords refused = new ReleaseRecords(client) {
      @Override
      public List<ReleaseRecord> history(String namespace, String releaseName) {
        throw new io.fabric8.kubernetes.client.KubernetesClientException(new io.fabric8.kubernetes.api.model
            .StatusBuilder().withCode(403).withMessage("secrets is forbidden: User "
            + "\"system:serviceaccount:apps:helmop-release\" cannot list resource \"secrets\" in API group \"\" in "
            + "the namespace \"kube-system\"").build());
      }
    };
    reconciler = new HelmReleaseReconciler(HelmReleaseReconcilerTest::plan, refused, helm,
        new Preflight(helm, DryRun.NONE, () -> "v1.33.0", PolicySpec.Mode.Warn), new StatusFactory(clock, ME),
        new EventRecorder(client, clock, ME), new SettleWindow(Duration.ZERO, clock),
        references, new DriftCheck(client, new KindCatalog(client, clock), watcher, clock), watcher, workDir, clock,
        ME);
    HelmRelease intruder = cache.put(release("intruder", "message: one"));

    assertThatThrownBy(() -> reconcile(intruder)).isInstanceOfSatisfying(ReconcileFailure.class,
        f -> assertThat(f.isRetryable()).isTrue());

    assertThat(ready(intruder).getReason()).isEqualTo("Forbidden");
    assertThat(ready(intruder).getMessage()).contains("ServiceAccount apps/helmop-release may not list secrets in "
        + "namespace kube-system", "RoleBinding");
    assertThat(events(intruder)).containsExactly("Forbidden");
    assertThat(helm.operations()).isEmpty();
  }

  @Test
  void aReleaseWhoseServiceAccountWasRefusedFromTheStartCanStillBeDeletedButOneThatWasReleasedCannot()
      throws Exception {
    String refused = "uninstall: Release not loaded: web: query: failed to query with labels: secrets is forbidden: "
        + "User \"system:serviceaccount:apps:helmop-release\" cannot list resource \"secrets\" in API group \"\" in "
        + "the namespace \"kube-system\"";
    helm.failUninstallWith(refused);
    HelmRelease never = cache.put(release("never", "message: one"));
    never.getMetadata().setDeletionTimestamp("2026-11-30T12:01:00Z");

    assertThat(reconciler.cleanup(never, cache).isRemoveFinalizer()).as("nothing of its own to uninstall").isTrue();
    assertThat(events(never)).contains("Uninstalled");

    HelmRelease web = cache.put(release("web", "message: one"));
    reconcile(web);
    HelmRelease deleting = latest(web);
    deleting.getMetadata().setDeletionTimestamp("2026-11-30T12:01:00Z");
    cache.put(deleting);

    assertThatThrownBy(() -> reconciler.cleanup(latest(web), cache)).hasMessageContaining("forbidden");
    assertThat(ready(web).getReason()).isEqualTo("UninstallFailed");
    assertThat(ready(web).getMessage()).contains("ServiceAccount apps/helmop-release may not list secrets in "
        + "namespace kube-system");
  }

  @Test
  void aFoundationIsNotUninstalledWhileAReleaseDependsOnIt() throws Exception {
    HelmRelease foundation = cache.put(release("foundation", "message: base"));
    reconcile(foundation);
    HelmRelease app = release("app", "message: one");
    DependencyReference dependency = new DependencyReference();
    dependency.setName("foundation");
    app.getSpec().setDependsOn(List.of(dependency));
    cache.put(app);
    HelmRelease deleting = latest(foundation);
    deleting.getMetadata().setDeletionTimestamp("2026-11-30T12:01:00Z");
    cache.put(deleting);

    DeleteControl control = reconciler.cleanup(latest(foundation), cache);

    assertThat(control.isRemoveFinalizer()).isFalse();
    assertThat(helm.operations()).doesNotContain("uninstall apps/foundation");
    assertThat(ready(foundation)).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo("DependentsExist");
      assertThat(c.getMessage()).contains("apps/app");
    });
  }

  // --- the harness

  UpdateControl<HelmRelease> reconcile(HelmRelease release) throws ReconcileFailure {
    return reconciler.reconcile(cache.latest(release), cache);
  }

  HelmRelease latest(HelmRelease release) {
    return cache.latest(release);
  }

  /** `kubectl annotate --overwrite`: no new generation. */
  void annotate(HelmRelease release, String annotation, String value) {
    HelmRelease annotated = cache.latest(release);
    Map<String, String> annotations = new java.util.HashMap<>(Optional.ofNullable(annotated.getMetadata()
        .getAnnotations()).orElse(Map.of()));
    annotations.put(annotation, value);
    annotated.getMetadata().setAnnotations(annotations);
    cache.put(annotated);
  }

  /** A new generation with other inline values, as `kubectl apply` would make. */
  void change(HelmRelease release, String values) throws Exception {
    HelmRelease changed = cache.latest(release);
    changed.getSpec().setValues((ObjectNode) yaml(values));
    changed.getMetadata().setGeneration(changed.getMetadata().getGeneration() + 1);
    cache.put(changed);
  }

  Condition ready(HelmRelease release) {
    return condition(cache.latest(release).getStatus().getConditions(), "Ready");
  }

  static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  List<String> events(HelmRelease release) {
    return client.v1().events().inNamespace("apps").list().getItems().stream()
        .filter(e -> release.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .map(Event::getReason).toList();
  }

  static HelmRelease release(String name, String values) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("apps").withGeneration(1L)
        .withUid("uid-" + name).build());
    HelmReleaseSpec spec = new HelmReleaseSpec();
    ChartSpec chart = new ChartSpec();
    chart.setRepository("http://127.0.0.1:1/charts");
    chart.setName("hello");
    chart.setVersion("0.1.0");
    spec.setChart(chart);
    try {
      spec.setValues((ObjectNode) yaml(values.isBlank() ? "{}" : values));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    release.setSpec(spec);
    return release;
  }

  static JsonNode yaml(String text) throws Exception {
    return new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(text);
  }

  /** The planner without a chart source: the chart is fixed, the values are the inline ones. */
  @SuppressWarnings("unchecked")
  static DesiredRelease plan(HelmRelease release) throws ReconcileFailure {
    Map<String, Object> values = release.getSpec().getValues() == null ? Map.of()
        : JSON.convertValue(release.getSpec().getValues(), Map.class);
    Path archive = Path.of("/charts/hello-0.1.0.tgz");
    return DesiredRelease.of(new ResolvedChart("hello", "0.1.0", "1.0.0", archive, "sha256:hello-0.1.0"),
        io.helmop.operator.release.ReleasePlanner.request(release, archive, values));
  }

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant now) {
      this.now = now;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
