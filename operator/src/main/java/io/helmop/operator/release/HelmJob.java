package io.helmop.operator.release;

import io.helmop.operator.config.HelmKubeconfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A release request as a Helm worker process reads it from its job file. Values may hold secrets: the file is
 * readable by the operator's user only and deleted after the call.
 */
record HelmJob(
    boolean install,
    String description,
    String releaseName,
    String namespace,
    String chart,
    Map<String, Object> values,
    boolean atomic,
    boolean waitReady,
    long timeoutSeconds,
    boolean createNamespace,
    boolean cleanupOnFail,
    boolean skipCrds,
    ReleaseRequest.Options options,
    String kubeconfigFile,
    String kubeconfigContents) {

  /** The steps of an install or upgrade that Helm's timeout bounds each: pre- hooks, wait, post- hooks. */
  static final int HELM_STEPS = 3;
  /** Helm's own default: helm-java's uninstall takes no timeout, and deletes without waiting for long. */
  static final Duration UNINSTALL_TIMEOUT = Duration.ofMinutes(5);

  static HelmJob of(boolean install, ReleaseRequest request, String description, HelmKubeconfig kubeconfig) {
    return new HelmJob(install, description, request.releaseName(), request.namespace(), request.chart().toString(),
        request.values(), request.atomic(), request.waitReady(), request.timeout().toSeconds(),
        request.createNamespace(), request.cleanupOnFail(), request.skipCrds(), request.options(),
        kubeconfig.file() == null ? null : kubeconfig.file().toString(), kubeconfig.contents());
  }

  /** A job that names a release only (an uninstall). */
  static HelmJob named(String releaseName, String namespace, HelmKubeconfig kubeconfig) {
    return new HelmJob(false, null, releaseName, namespace, null, Map.of(), false, false,
        UNINSTALL_TIMEOUT.toSeconds(), false, false, false, null,
        kubeconfig.file() == null ? null : kubeconfig.file().toString(), kubeconfig.contents());
  }

  ReleaseRequest request() {
    return new ReleaseRequest(releaseName, namespace, Path.of(chart), values, atomic, waitReady,
        Duration.ofSeconds(timeoutSeconds), createNamespace, cleanupOnFail, skipCrds, false,
        options == null ? ReleaseRequest.Options.defaults(atomic, waitReady, Duration.ofSeconds(timeoutSeconds))
            : options);
  }

  HelmKubeconfig kubeconfig() {
    return HelmKubeconfig.of(kubeconfigFile == null ? null : Path.of(kubeconfigFile), kubeconfigContents);
  }

  /**
   * The longest an install or upgrade may run, its tests included; Helm stops it by itself before that. Helm gives
   * its timeout to each step on its own: the pre- hooks, the wait for readiness, the post- hooks, and after a
   * failure an atomic operation's rollback (or uninstall) the same three again; a deadline of one timeout would
   * kill a slow but healthy release (a migration hook, then a rollout) and leave its revision pending.
   */
  Duration helmTimeout() {
    ReleaseRequest.Tests tests = options == null ? null : options.test();
    long testSeconds = tests == null || !tests.enable() ? 0
        : tests.timeoutSeconds() > 0 ? tests.timeoutSeconds() : timeoutSeconds;
    return Duration.ofSeconds(timeoutSeconds * (atomic ? HELM_STEPS * 2 : HELM_STEPS) + testSeconds);
  }
}
