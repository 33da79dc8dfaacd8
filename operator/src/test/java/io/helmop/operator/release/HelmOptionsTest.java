package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.UpgradeCommand;
import com.marcnuri.helm.jni.HelmLib;
import com.marcnuri.helm.jni.InstallOptions;
import com.marcnuri.helm.jni.Result;
import com.marcnuri.helm.jni.UpgradeOptions;
import io.helmop.operator.config.HelmKubeconfig;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
  final List<Object> nativeCalls = new ArrayList<>();

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

  /** As HelmProcessEngine hands a request to HelmWorker: written to a JSON job file and read back. */
  ReleaseRequest throughTheWorkersJobFile(boolean install, ReleaseRequest request) throws Exception {
    var json = new ObjectMapper();
    var job = HelmWorker.Job.of(install, request, null, HelmKubeconfig.of(null, "kubeconfig"), dir);
    return json.readValue(json.writeValueAsBytes(job), HelmWorker.Job.class).request();
  }

  /** A Helm library that records the options of Install and Upgrade and answers as a successful call would. */
  HelmLib recordingHelm() {
    return (HelmLib) Proxy.newProxyInstance(HelmLib.class.getClassLoader(), new Class<?>[] {HelmLib.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "Install", "Upgrade" -> {
            nativeCalls.add(args[0]);
            Result result = new Result();
            result.out = "NAME: web\nLAST DEPLOYED: Mon, 30 Nov 2026 06:00:00 GMT\nNAMESPACE: apps\n"
                + "STATUS: deployed\nREVISION: 1\nCHART: web\nAPP VERSION: 1.0.0\n";
            yield result;
          }
          case "Free" -> null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
