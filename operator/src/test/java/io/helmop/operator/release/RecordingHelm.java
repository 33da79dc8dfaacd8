package io.helmop.operator.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.jni.HelmLib;
import com.marcnuri.helm.jni.Result;
import io.helmop.operator.config.HelmKubeconfig;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * A Helm library that writes down the options helm-java hands it (InstallOptions, UpgradeOptions,
 * UninstallOptions) and answers as a successful call would, instead of calling Go.
 */
final class RecordingHelm {
  final List<Object> calls = new ArrayList<>();

  HelmLib lib() {
    return (HelmLib) Proxy.newProxyInstance(HelmLib.class.getClassLoader(), new Class<?>[] {HelmLib.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "Install", "Upgrade", "Uninstall" -> {
            calls.add(args[0]);
            Result result = new Result();
            result.out = method.getName().equals("Uninstall") ? "release \"web\" uninstalled\n"
                : "NAME: web\nLAST DEPLOYED: Mon, 30 Nov 2026 06:00:00 GMT\nNAMESPACE: apps\n"
                + "STATUS: deployed\nREVISION: 1\nCHART: web\nAPP VERSION: 1.0.0\n";
            yield result;
          }
          case "Free" -> null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  /** As HelmProcessEngine hands a request to a Helm worker: written to a JSON job file and read back. */
  static ReleaseRequest throughTheWorkersJobFile(boolean install, ReleaseRequest request) throws Exception {
    var json = new ObjectMapper();
    var job = HelmJob.of(install, request, null, HelmKubeconfig.of(null, "kubeconfig"));
    return json.readValue(json.writeValueAsBytes(job), HelmJob.class).request();
  }
}
