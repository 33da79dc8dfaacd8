package io.helmop.operator.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.lifecycle.SignalHandlers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The child process in which {@link HelmProcessEngine} runs one Helm install or upgrade. A helm-java upgrade
 * cannot be interrupted inside the JVM (its Go code waits on a context nobody can cancel), but a process can
 * be stopped. The job comes from the file named by the only argument.
 *
 * <p>Exit 0: done. Exit 70: Helm failed, its message is in the result file. Exit 72: the release was installed
 * or upgraded, but its tests (spec.test) failed, Helm's message is in the result file. Exit 71: the operator went away
 * (its end of stdin closed), so this operation must not outlive it. Anything else: the worker crashed (a JVM
 * that cannot start exits with 1, hence codes of their own).
 */
public final class HelmWorker {
  static final int HELM_FAILED = 70;
  static final int OPERATOR_GONE = 71;
  static final int TESTS_FAILED = 72;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One install or upgrade; values may hold secrets, so the file is readable by the operator's user only. */
  record Job(
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
      String kubeconfigContents,
      String workDir) {

    static Job of(boolean install, ReleaseRequest request, String description, HelmKubeconfig kubeconfig,
        Path workDir) {
      return new Job(install, description, request.releaseName(), request.namespace(), request.chart().toString(),
          request.values(), request.atomic(), request.waitReady(), request.timeout().toSeconds(),
          request.createNamespace(), request.cleanupOnFail(), request.skipCrds(), request.options(),
          kubeconfig.file() == null ? null : kubeconfig.file().toString(), kubeconfig.contents(),
          workDir.toString());
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
  }

  private HelmWorker() {}

  static Path resultFile(Path jobFile) {
    return jobFile.resolveSibling(jobFile.getFileName() + ".result");
  }

  public static void main(String[] args) throws IOException {
    exitWhenTheOperatorIsGone();
    Path jobFile = Path.of(args[0]);
    Job job = JSON.readValue(jobFile.toFile(), Job.class);
    MDC.put("resource.namespace", job.namespace());
    MDC.put("resource.name", job.releaseName());
    var helm = new HelmJavaEngine(job.kubeconfig(), SignalHandlers.captureJvmHandlers(), Path.of(job.workDir()));
    try {
      if (job.install()) {
        helm.install(job.request(), job.description());
      } else {
        helm.upgrade(job.request(), job.description());
      }
    } catch (HelmException e) {
      Files.writeString(resultFile(jobFile), e.getMessage() == null ? "" : e.getMessage());
      System.exit(HELM_FAILED);
    }
    ReleaseRequest.Tests tests = job.request().options().test();
    if (tests.enable()) {
      // in this process too: bounded by its timeout, stopped with it when superseded, with the release's rights
      try {
        helm.test(job.releaseName(), job.namespace(),
            tests.timeoutSeconds() > 0 ? tests.timeoutSeconds() : job.timeoutSeconds());
      } catch (HelmException e) {
        Files.writeString(resultFile(jobFile), e.getMessage() == null ? "" : e.getMessage());
        System.exit(TESTS_FAILED);
      }
    }
    System.exit(0);
  }

  /**
   * The operator holds the other end of stdin and never writes to it: end of input means it exited, even by
   * SIGKILL. Halting then leaves the revision pending, as a killed `helm upgrade` would, and the next operator
   * recognises it as abandoned; running on would race the next operator's own Helm call on the same release.
   */
  private static void exitWhenTheOperatorIsGone() {
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // nothing is ever sent
        }
      } catch (IOException ignored) {
        // a broken pipe means the same
      }
      Runtime.getRuntime().halt(OPERATOR_GONE);
    }, "operator-watch");
    watcher.setDaemon(true);
    watcher.start();
  }
}
