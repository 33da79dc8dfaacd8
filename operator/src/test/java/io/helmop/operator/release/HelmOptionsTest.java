package io.helmop.operator.release;

import static io.helmop.operator.release.RecordingHelm.throughTheWorkersJobFile;
import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.UpgradeCommand;
import com.marcnuri.helm.jni.HelmLib;
import com.marcnuri.helm.jni.InstallOptions;
import com.marcnuri.helm.jni.UpgradeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install and upgrade options README promises (`--reset-values` on upgrades, `createNamespace` on installs)
 * reach Helm: the request goes through the child process's job file, as every install and upgrade does, and
 * helm-java's command hands its options to a Helm library that writes them down instead of calling Go.
 */
class HelmOptionsTest {
  @TempDir Path dir;
  /** What helm-java passed to the native library: InstallOptions or UpgradeOptions. */
  final RecordingHelm helm = new RecordingHelm();
  final List<Object> nativeCalls = helm.calls;

  @Test
  void upgradesResetValuesSoTheReleaseGetsWhatTheHelmReleaseSays() throws Exception {
    ReleaseRequest request = throughTheWorkersJobFile(false, request(false));

    HelmJavaEngine.upgradeCommand(new UpgradeCommand(recordingHelm(), dir), request, dir.resolve("values.yaml"),
        "helmop: upgrade").call();

    UpgradeOptions options = (UpgradeOptions) nativeCalls.get(0);
    assertThat(options.name).isEqualTo("web");
    assertThat(options.resetValues).as("--reset-values").isEqualTo(1);
    assertThat(options.reuseValues).as("--reuse-values").isZero();
    assertThat(options.resetThenReuseValues).as("--reset-then-reuse-values").isZero();
  }

  @Test
  void installsCreateTheNamespaceOnlyWhenTheSpecAsksForIt() throws Exception {
    ReleaseRequest asked = throughTheWorkersJobFile(true, request(true));
    ReleaseRequest notAsked = throughTheWorkersJobFile(true, request(false));

    HelmJavaEngine.installCommand(new InstallCommand(recordingHelm(), dir), asked, dir.resolve("values.yaml"))
        .call();
    HelmJavaEngine.installCommand(new InstallCommand(recordingHelm(), dir), notAsked, dir.resolve("values.yaml"))
        .call();

    assertThat(nativeCalls).hasSize(2);
    assertThat(((InstallOptions) nativeCalls.get(0)).createNamespace).as("createNamespace: true").isEqualTo(1);
    assertThat(((InstallOptions) nativeCalls.get(1)).createNamespace).as("createNamespace: false").isZero();
  }

  static ReleaseRequest request(boolean createNamespace) {
    return new ReleaseRequest("web", "apps", Path.of("/charts/web"), Map.of("message", "hi"), true, true,
        Duration.ofMinutes(5), createNamespace, true);
  }

  HelmLib recordingHelm() {
    return helm.lib();
  }
}
