package io.helmop.operator.reconcile;

import static io.helmop.operator.reconcile.HelmReleaseReconcilerTest.condition;
import static io.helmop.operator.reconcile.HelmReleaseReconcilerTest.release;
import static io.helmop.operator.reconcile.HelmReleaseReconcilerTest.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.InstallSpec;
import io.helmop.api.v1alpha1.TestSpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.release.FakeHelmEngine;
import io.helmop.operator.release.ReleaseRecord;
import io.helmop.operator.values.ReferenceWatcher;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spec.test in the reconcile: a failed test is a failed install or upgrade (undone as Helm's atomic mode would,
 * counted against the retries) unless ignoreFailures, and TestSuccess says how the tests went. Helm is the fake,
 * which records the failed test hook in the revision as `helm test` does; HelmTestsIT runs the real thing.
 */
@EnableKubernetesMockClient(crud = true)
class HelmTestsReconcileTest {
  KubernetesClient client;
  @TempDir
  Path workDir;
  HelmReleaseReconcilerTest.TestClock clock =
      new HelmReleaseReconcilerTest.TestClock(Instant.parse("2026-11-30T12:00:00Z"));
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
    reconciler = HelmReleaseReconcilerTest.reconciler(client, helm, clock, workDir, references, watcher,
        io.helmop.operator.config.TenantLimits.Settings.OPEN);
  }

  @AfterEach
  void tearDown() {
    references.close();
    watcher.close();
  }

  @Test
  void aFailedTestAfterAnUpgradeIsRolledBackAndCountsAgainstTheRetries() throws Exception {
    HelmRelease spec = tested("message: one", false);
    spec.getSpec().setUpgrade(new UpgradeSpec());
    spec.getSpec().getUpgrade().setRetries(0);
    HelmRelease web = cache.put(spec);
    reconcile(web);
    assertThat(condition(latest(web), "TestSuccess").getReason()).as("a chart without tests")
        .isEqualTo("TestSucceeded");

    helm.failTestsWith("job web-smoke failed: DeadlineExceeded");
    change(web, "message: two");
    assertThatThrownBy(() -> reconcile(latest(web))).isInstanceOfSatisfying(ReconcileFailure.class,
        f -> assertThat(f.reason()).isEqualTo("TestFailed"));

    assertThat(helm.operations()).containsExactly("install apps/web", "upgrade apps/web", "upgrade apps/web");
    var records = helm.records("apps", "web");
    assertThat(records).extracting(ReleaseRecord::revision).containsExactly(3, 2, 1);
    assertThat(records.get(0).isDeployed()).isTrue();
    assertThat(records.get(0).config().path("message").asText()).as("revision 1's values again").isEqualTo("one");
    assertThat(records.get(0).description()).contains("rollback to revision 1");
    assertThat(records.get(1).status()).isEqualTo("failed");
    assertThat(records.get(1).description()).contains("tests failed").contains("Job/web-smoke");
    Condition tests = condition(latest(web), "TestSuccess");
    assertThat(tests.getStatus()).isEqualTo("False");
    assertThat(tests.getMessage()).contains("test Job/web-smoke failed (spec.test)")
        .contains("job web-smoke failed: DeadlineExceeded").contains("revision 1 serves again");
    assertThat(condition(latest(web), "Released").getStatus()).isEqualTo("False");
    int operations = helm.operations().size();

    reconcile(latest(web));

    assertThat(condition(latest(web), "Ready").getReason()).isEqualTo("RetriesExhausted");
    assertThat(helm.operations()).as("retries: 0, no second attempt").hasSize(operations);
  }

  @Test
  void aFailedTestOfAnAtomicInstallUninstallsIt() throws Exception {
    HelmRelease web = cache.put(tested("message: one", false));
    helm.failTestsWith("job web-smoke failed: DeadlineExceeded");

    assertThatThrownBy(() -> reconcile(web)).isInstanceOfSatisfying(ReconcileFailure.class,
        f -> assertThat(f.getMessage()).contains("Install of chart hello-0.1.0").contains("Job/web-smoke")
            .contains("uninstalled (spec.install.atomic)"));

    assertThat(helm.operations()).containsExactly("install apps/web", "uninstall apps/web");
    assertThat(helm.records("apps", "web")).isEmpty();
  }

  @Test
  void aFailedTestOfANonAtomicInstallStaysMarkedFailedAndTheNextAttemptUpgradesFromIt() throws Exception {
    HelmRelease web = tested("message: one", false);
    web.getSpec().setInstall(new InstallSpec());
    web.getSpec().getInstall().setAtomic(false);
    HelmRelease put = cache.put(web);
    helm.failTestsWith("job web-smoke failed: DeadlineExceeded");

    assertThatThrownBy(() -> reconcile(put)).isInstanceOf(ReconcileFailure.class);

    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(helm.records("apps", "web")).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo("failed");
      assertThat(r.description()).contains("Job/web-smoke");
    });
  }

  @Test
  void withIgnoreFailuresTheReleaseIsReadyAndOnlyTestSuccessSaysSo() throws Exception {
    HelmRelease web = cache.put(tested("message: one", true));
    helm.failTestsWith("job web-smoke failed: DeadlineExceeded");

    reconcile(web);

    assertThat(condition(latest(web), "Ready").getStatus()).isEqualTo("True");
    Condition tests = condition(latest(web), "TestSuccess");
    assertThat(tests.getStatus()).isEqualTo("False");
    assertThat(tests.getReason()).isEqualTo("TestFailed");
    assertThat(tests.getMessage()).contains("Job/web-smoke").contains("ignoreFailures");
    assertThat(helm.operations()).containsExactly("install apps/web");
    assertThat(helm.records("apps", "web").get(0).isDeployed()).isTrue();
    assertThat(client.v1().events().inNamespace("apps").list().getItems())
        .filteredOn(e -> "TestFailed".equals(e.getReason())).singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
  }

  static HelmRelease tested(String values, boolean ignoreFailures) {
    HelmRelease release = release("web", values);
    release.getSpec().setTest(new TestSpec());
    release.getSpec().getTest().setEnable(true);
    release.getSpec().getTest().setIgnoreFailures(ignoreFailures);
    return release;
  }

  void reconcile(HelmRelease release) throws ReconcileFailure {
    reconciler.reconcile(cache.latest(release), cache);
  }

  HelmRelease latest(HelmRelease release) {
    return cache.latest(release);
  }

  static Condition condition(HelmRelease release, String type) {
    return HelmReleaseReconcilerTest.condition(release.getStatus().getConditions(), type);
  }

  void change(HelmRelease release, String values) throws Exception {
    HelmRelease changed = cache.latest(release);
    changed.getSpec().setValues((ObjectNode) yaml(values));
    changed.getMetadata().setGeneration(changed.getMetadata().getGeneration() + 1);
    cache.put(changed);
  }
}
