package io.helmop.operator.release;

import static io.helmop.operator.release.RecordingHelm.throughTheWorkersJobFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.UninstallCommand;
import com.marcnuri.helm.UpgradeCommand;
import com.marcnuri.helm.jni.HelmLib;
import com.marcnuri.helm.jni.InstallOptions;
import com.marcnuri.helm.jni.UninstallOptions;
import com.marcnuri.helm.jni.UpgradeOptions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.InstallSpec;
import io.helmop.api.v1alpha1.TestSpec;
import io.helmop.api.v1alpha1.UninstallSpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.status.Reasons;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flux switches of spec.install, spec.upgrade, spec.test and spec.uninstall reach Helm as the spec says: from
 * the HelmRelease through the request, the worker's job file and helm-java's command down to the options the
 * native Helm library receives (recorded instead of calling Go).
 */
class HelmSwitchesTest {
  @TempDir Path dir;
  final RecordingHelm helm = new RecordingHelm();
  final List<Object> nativeCalls = helm.calls;

  @Test
  void installsUseTheirOwnTimeoutWaitAndAtomicNotTheUpgrades() throws Exception {
    HelmRelease release = release();
    release.getSpec().setInstall(new InstallSpec());
    release.getSpec().getInstall().setTimeout("45s");
    release.getSpec().getInstall().setDisableWait(true);
    release.getSpec().setUpgrade(new UpgradeSpec());
    release.getSpec().getUpgrade().setTimeout("10m");

    ReleaseRequest request = ReleasePlanner.request(release, dir.resolve("web.tgz"), Map.of());
    InstallOptions install = install(request.forInstall());
    UpgradeOptions upgrade = upgrade(request);

    assertThat(install.timeout).as("spec.install.timeout").isEqualTo(45);
    assertThat(install.wait).as("spec.install.disableWait").isZero();
    assertThat(install.atomic).as("no atomic without a wait: Helm's atomic always waits").isZero();
    assertThat(upgrade.timeout).as("spec.upgrade.timeout").isEqualTo(600);
    assertThat(upgrade.wait).isEqualTo(1);
    assertThat(upgrade.atomic).isEqualTo(1);
  }

  @Test
  void anInstallCanBeNonAtomicWhileUpgradesAreAtomic() throws Exception {
    HelmRelease release = release();
    release.getSpec().setInstall(new InstallSpec());
    release.getSpec().getInstall().setAtomic(false);

    ReleaseRequest request = ReleasePlanner.request(release, dir.resolve("web.tgz"), Map.of());

    assertThat(install(request.forInstall()).atomic).isZero();
    assertThat(upgrade(request).atomic).isEqualTo(1);
  }

  @Test
  void anInstallWithoutSettingsOfItsOwnTakesTheUpgrades() throws Exception {
    HelmRelease release = release();
    release.getSpec().setUpgrade(new UpgradeSpec());
    release.getSpec().getUpgrade().setTimeout("90s");
    release.getSpec().getUpgrade().setDisableWait(true);

    InstallOptions install = install(ReleasePlanner.request(release, dir.resolve("web.tgz"), Map.of()).forInstall());

    assertThat(install.timeout).isEqualTo(90);
    assertThat(install.wait).as("spec.upgrade.disableWait").isZero();
    assertThat(install.atomic).as("Helm's atomic would wait anyway").isZero();
  }

  @Test
  void upgradeSwitchesReachHelm() throws Exception {
    HelmRelease release = release();
    release.getSpec().setUpgrade(new UpgradeSpec());
    release.getSpec().getUpgrade().setForce(true);
    release.getSpec().getUpgrade().setPreserveValues(true);
    release.getSpec().getUpgrade().setDisableOpenAPIValidation(true);
    release.getSpec().setInstall(new InstallSpec());
    release.getSpec().getInstall().setDisableOpenAPIValidation(true);

    ReleaseRequest request = ReleasePlanner.request(release, dir.resolve("web.tgz"), Map.of());
    UpgradeOptions upgrade = upgrade(request);
    InstallOptions install = install(request.forInstall());

    assertThat(upgrade.force).as("force").isEqualTo(1);
    assertThat(upgrade.reuseValues).as("preserveValues: --reuse-values").isEqualTo(1);
    assertThat(upgrade.resetValues).as("preserveValues: no --reset-values").isZero();
    assertThat(upgrade.disableOpenApiValidation).isEqualTo(1);
    assertThat(install.disableOpenApiValidation).isEqualTo(1);
  }

  @Test
  void withoutSwitchesNothingChangesFromBefore() throws Exception {
    ReleaseRequest request = ReleasePlanner.request(release(), dir.resolve("web.tgz"), Map.of());
    UpgradeOptions upgrade = upgrade(request);
    InstallOptions install = install(request.forInstall());

    assertThat(upgrade.force).isZero();
    assertThat(upgrade.resetValues).isEqualTo(1);
    assertThat(upgrade.reuseValues).isZero();
    assertThat(upgrade.disableOpenApiValidation).isZero();
    assertThat(install.disableOpenApiValidation).isZero();
    assertThat(install.timeout).isEqualTo(300);
    assertThat(install.wait).isEqualTo(1);
    assertThat(request.options().test().enable()).isFalse();
  }

  @Test
  void switchesAloneDoNotMakeANewRevision() throws Exception {
    HelmRelease plain = release();
    HelmRelease switched = release();
    switched.getSpec().setInstall(new InstallSpec());
    switched.getSpec().getInstall().setTimeout("1m");
    switched.getSpec().setUpgrade(new UpgradeSpec());
    switched.getSpec().getUpgrade().setForce(true);
    switched.getSpec().setTest(new TestSpec());
    switched.getSpec().getTest().setEnable(true);
    ResolvedChart chart = new ResolvedChart("web", "1.0.0", "1", dir.resolve("web.tgz"), "sha256:chart");

    String before = DesiredRelease.of(chart, ReleasePlanner.request(plain, chart.archive(), Map.of("a", 1))).digest();
    String after = DesiredRelease.of(chart, ReleasePlanner.request(switched, chart.archive(), Map.of("a", 1)))
        .digest();

    assertThat(after).isEqualTo(before);
  }

  @Test
  void testsTravelToTheHelmWorkerWithTheirTimeout() throws Exception {
    HelmRelease release = release();
    release.getSpec().setTest(new TestSpec());
    release.getSpec().getTest().setEnable(true);
    release.getSpec().getTest().setTimeout("2m");
    release.getSpec().getTest().setIgnoreFailures(true);

    ReleaseRequest request = throughTheWorkersJobFile(false,
        ReleasePlanner.request(release, dir.resolve("web.tgz"), Map.of()));

    assertThat(request.options().test()).isEqualTo(new ReleaseRequest.Tests(true, 120, true));
    assertThat(request.forRollback().options().test().enable()).as("a rollback is not tested").isFalse();
  }

  @Test
  void disableHooksIsTheInstallsUntilTheReleaseWasAppliedThenTheUpgrades() throws Exception {
    HelmRelease release = release();
    release.getSpec().setInstall(new InstallSpec());
    release.getSpec().getInstall().setDisableHooks(true);
    assertThat(Switches.hooksDisabled(release)).isTrue();
    ReleasePlanner.request(release, dir.resolve("web.tgz"), Map.of()); // not refused

    release.setStatus(new io.helmop.api.v1alpha1.HelmReleaseStatus());
    release.getStatus().setLastAppliedRevision(1);
    assertThat(Switches.hooksDisabled(release)).as("spec.upgrade.disableHooks is unset").isFalse();
    release.getSpec().setUpgrade(new UpgradeSpec());
    release.getSpec().getUpgrade().setDisableHooks(true);
    assertThat(Switches.hooksDisabled(release)).isTrue();
  }

  @Test
  void switchesHelmJavaCannotHonourAreRefusedNamingTheField() {
    HelmRelease replace = release();
    replace.getSpec().setInstall(new InstallSpec());
    replace.getSpec().getInstall().setReplace(true);
    HelmRelease jobs = release();
    jobs.getSpec().setInstall(new InstallSpec());
    jobs.getSpec().getInstall().setDisableWaitForJobs(false);
    HelmRelease timeout = release();
    timeout.getSpec().setUninstall(new UninstallSpec());
    timeout.getSpec().getUninstall().setTimeout("5m");

    assertRefused(replace, "spec.install.replace is true", "--replace");
    assertRefused(jobs, "spec.install.disableWaitForJobs is false", "--wait-for-jobs");
    assertRefused(timeout, "spec.uninstall.timeout is \"5m\"", "no timeout");
  }

  private void assertRefused(HelmRelease release, String... words) {
    assertThatThrownBy(() -> ReleasePlanner.request(release, dir.resolve("web.tgz"), Map.of()))
        .isInstanceOf(ReconcileFailure.class)
        .satisfies(e -> {
          assertThat(((ReconcileFailure) e).reason()).isEqualTo(Reasons.INVALID_SPEC);
          assertThat(((ReconcileFailure) e).kind()).isEqualTo(ReconcileFailure.Kind.STALL);
        })
        .message().contains(words);
  }

  @Test
  void uninstallKeepsHistorySkipsHooksAndCascadesAsTheSpecSays() throws Exception {
    HelmRelease release = release();
    release.getSpec().setUninstall(new UninstallSpec());
    release.getSpec().getUninstall().setKeepHistory(true);
    release.getSpec().getUninstall().setDisableHooks(true);
    release.getSpec().getUninstall().setDeletionPropagation("orphan");

    HelmJavaEngine.uninstallCommand(new UninstallCommand(recordingHelm(), "web"), "apps",
        Switches.uninstall(release)).call();
    HelmJavaEngine.uninstallCommand(new UninstallCommand(recordingHelm(), "web"), "apps",
        Switches.uninstall(release())).call();

    UninstallOptions asked = (UninstallOptions) nativeCalls.get(0);
    UninstallOptions plain = (UninstallOptions) nativeCalls.get(1);
    assertThat(asked.keepHistory).isEqualTo(1);
    assertThat(asked.noHooks).isEqualTo(1);
    assertThat(asked.cascade).isEqualTo("orphan");
    assertThat(plain.keepHistory).isZero();
    assertThat(plain.noHooks).isZero();
    assertThat(plain.cascade).isEqualTo("background");
  }

  @Test
  void disableSchemaValidationHandsHelmTheChartWithoutItsSchemas() throws Exception {
    byte[] subchart = tgz(Map.of("db/Chart.yaml", "name: db", "db/values.schema.json", "{}"));
    Path archive = dir.resolve("web-1.0.0.tgz");
    Files.write(archive, tgz(Map.of("web/Chart.yaml", "name: web", "web/values.schema.json", "{\"required\":[1]}",
        "web/templates/cm.yaml", "kind: ConfigMap", "web/charts/db-1.0.0.tgz", subchart)));
    HelmRelease release = release();
    release.getSpec().setInstall(new InstallSpec());
    release.getSpec().getInstall().setDisableSchemaValidation(true);

    ReleaseRequest request = ReleasePlanner.request(release, archive, Map.of());
    ReleaseRequest validated = ReleasePlanner.request(release(), archive, Map.of());

    Map<String, byte[]> copy = entries(Files.readAllBytes(request.chart()));
    assertThat(validated.chart()).isEqualTo(archive);
    assertThat(copy).containsOnlyKeys("web/Chart.yaml", "web/templates/cm.yaml", "web/charts/db-1.0.0.tgz");
    assertThat(entries(copy.get("web/charts/db-1.0.0.tgz"))).containsOnlyKeys("db/Chart.yaml");
  }

  static HelmRelease release() {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("apps").withGeneration(1L).build());
    release.setSpec(new HelmReleaseSpec());
    return release;
  }

  InstallOptions install(ReleaseRequest request) throws Exception {
    ReleaseRequest sent = throughTheWorkersJobFile(true, request);
    HelmJavaEngine.installCommand(new InstallCommand(recordingHelm(), dir), sent, dir.resolve("values.yaml")).call();
    return (InstallOptions) nativeCalls.get(nativeCalls.size() - 1);
  }

  UpgradeOptions upgrade(ReleaseRequest request) throws Exception {
    ReleaseRequest sent = throughTheWorkersJobFile(false, request);
    HelmJavaEngine.upgradeCommand(new UpgradeCommand(recordingHelm(), dir), sent, dir.resolve("values.yaml"), null)
        .call();
    return (UpgradeOptions) nativeCalls.get(nativeCalls.size() - 1);
  }

  HelmLib recordingHelm() {
    return helm.lib();
  }

  static byte[] tgz(Map<String, Object> files) throws Exception {
    var bytes = new ByteArrayOutputStream();
    try (var tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      for (var file : files.entrySet()) {
        byte[] content = file.getValue() instanceof byte[] b ? b
            : file.getValue().toString().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  static Map<String, byte[]> entries(byte[] tgz) throws Exception {
    Map<String, byte[]> entries = new java.util.TreeMap<>();
    try (var tar = new TarArchiveInputStream(new GZIPInputStream(new java.io.ByteArrayInputStream(tgz)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        entries.put(entry.getName(), tar.readAllBytes());
      }
    }
    return entries;
  }
}
