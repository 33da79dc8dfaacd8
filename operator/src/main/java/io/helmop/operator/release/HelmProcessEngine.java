package io.helmop.operator.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.operator.config.HelmKubeconfig;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each install and upgrade in a {@link HelmWorker} child process, so that helmop can stop one whose
 * HelmRelease has moved on instead of waiting for Helm's timeout. Renders and lints run in the warm workers of
 * a {@link HelmWorkerPool}, which bounds their memory and time; uninstalls (quick, never waiting on the cluster
 * for long) stay in this JVM. A side effect worth having: the native memory helm-java leaks per call goes away
 * with the child.
 */
public class HelmProcessEngine implements HelmEngine {
  private static final Logger LOG = LoggerFactory.getLogger(HelmProcessEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How often a running operation checks whether it was superseded. */
  private static final long POLL_MILLIS = 200;
  /** A short-lived JVM: compile little, collect simply, stay small. */
  private static final List<String> WORKER_JVM_OPTIONS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx192m");

  private static final List<String> JVM_OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

  private final HelmJavaEngine inProcess;
  /** The kubeconfig of the release being reconciled on the calling thread (it may impersonate its ServiceAccount). */
  private final Supplier<HelmKubeconfig> kubeconfig;
  private final Path workDir;
  /** Bounds the child processes (memory): operations beyond it wait for a free one. */
  private final Semaphore slots;
  private final int maxProcesses;
  private final Set<Process> running = ConcurrentHashMap.newKeySet();
  /** Where renders and lints run, bounded; null: in this JVM (tests of the install path). */
  private final HelmWorkerPool renders;

  public HelmProcessEngine(HelmJavaEngine inProcess, HelmKubeconfig kubeconfig, Path workDir, int maxProcesses) {
    this(inProcess, () -> kubeconfig, workDir, maxProcesses, null);
  }

  public HelmProcessEngine(HelmJavaEngine inProcess, Supplier<HelmKubeconfig> kubeconfig, Path workDir,
      int maxProcesses, HelmWorkerPool renders) {
    this.renders = renders;
    this.inProcess = inProcess;
    this.kubeconfig = kubeconfig;
    this.workDir = workDir;
    this.slots = new Semaphore(maxProcesses, true);
    this.maxProcesses = maxProcesses;
  }

  /** Helm child processes running an install or upgrade now (a metric). */
  public int busy() {
    return maxProcesses - slots.availablePermits();
  }

  /** Installs and upgrades waiting for a free Helm process (a metric). */
  public int waiting() {
    return slots.getQueueLength();
  }

  @Override
  public void install(ReleaseRequest request, String description, BooleanSupplier superseded) {
    run(HelmWorker.Job.of(true, request, description, kubeconfig.get(), workDir), superseded);
  }

  @Override
  public void upgrade(ReleaseRequest request, String description, BooleanSupplier superseded) {
    run(HelmWorker.Job.of(false, request, description, kubeconfig.get(), workDir), superseded);
  }

  @Override
  public void uninstall(String releaseName, String namespace) {
    inProcess.uninstall(releaseName, namespace);
  }

  @Override
  public void uninstall(String releaseName, String namespace, UninstallOptions options) {
    inProcess.uninstall(releaseName, namespace, options);
  }

  @Override
  public RenderedRelease render(ReleaseRequest request, String kubeVersion) {
    if (renders == null) {
      return inProcess.render(request, kubeVersion);
    }
    LOG.debug("helm call: template {} (in a render worker)", request); // what tests count: no call when unchanged
    return renders.call(new HelmWorkerServer.Job("render", HelmWorker.Job.of(false, request, null, kubeconfig.get(),
        workDir), kubeVersion), RenderedRelease.class, "the render", () -> false);
  }

  @Override
  public LintReport lint(ReleaseRequest request) {
    if (renders == null) {
      return inProcess.lint(request);
    }
    LOG.debug("helm call: lint {} (in a render worker)", request);
    return renders.call(new HelmWorkerServer.Job("lint", HelmWorker.Job.of(false, request, null, kubeconfig.get(),
        workDir), null), LintReport.class, "helm lint", () -> false);
  }

  /** Stops the operations still running (the operator is stopping; they would not be waited for anyway). */
  public void close() {
    running.forEach(Process::destroyForcibly);
    if (renders != null) {
      renders.close();
    }
  }

  private void run(HelmWorker.Job job, BooleanSupplier superseded) {
    String operation = (job.install() ? "install" : "upgrade") + " of release " + job.releaseName();
    LOG.debug("helm call: {} (in a Helm process)", operation);
    try {
      while (!slots.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        if (superseded.getAsBoolean()) {
          throw new HelmStoppedException("helmop dropped the " + operation + ", which was waiting for a free Helm "
              + "process");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HelmException("interrupted while waiting to run Helm; the operator is stopping", e);
    }
    try {
      runWorker(job, operation, superseded);
    } finally {
      slots.release();
    }
  }

  /** Passes the worker's output lines on to the operator's log (and keeps its pipe from filling up). */
  private static void logOutput(Process worker) {
    Thread reader = new Thread(() -> {
      try (var out = new java.io.BufferedReader(
          new java.io.InputStreamReader(worker.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          LOG.info("Helm process {}: {}", worker.pid(), line);
        }
      } catch (IOException gone) {
        // the worker ended
      }
    }, "helm-process-" + worker.pid());
    reader.setDaemon(true);
    reader.start();
  }

  private void runWorker(HelmWorker.Job job, String operation, BooleanSupplier superseded) {
    Path jobFile = writeJob(job);
    Path tmpDir = null;
    Process worker = null;
    try {
      tmpDir = Files.createTempDirectory(workDir, "helm-process-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      // stdin stays a pipe: the worker exits when it closes. Its output is read and logged here, so that what
      // Helm prints goes through the operator's log, where values from Secrets are scrubbed
      ProcessBuilder builder = new ProcessBuilder(workerCommand(jobFile, tmpDir)).redirectErrorStream(true);
      // options meant for the operator's JVM (a heap of -Xms512m, say) must not size, or stop, every worker
      JVM_OPTION_VARIABLES.forEach(builder.environment()::remove);
      // Helm code that builds its own client from the defaults (a template's `lookup`) must act as the release
      // too, never as the operator
      if (job.kubeconfigFile() != null) {
        builder.environment().put("KUBECONFIG", job.kubeconfigFile());
      }
      worker = builder.start();
      running.add(worker);
      logOutput(worker);
      while (!worker.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        if (superseded.getAsBoolean()) {
          worker.destroyForcibly().waitFor();
          throw new HelmStoppedException("helmop stopped the " + operation + " rather than wait for Helm's timeout");
        }
      }
      int exit = worker.exitValue();
      if (exit == HelmWorker.TESTS_FAILED) {
        throw new HelmTestsFailedException(Files.readString(HelmWorker.resultFile(jobFile)).strip());
      }
      if (exit == HelmWorker.HELM_FAILED) {
        throw new HelmException(Files.readString(HelmWorker.resultFile(jobFile)).strip(), null);
      }
      if (exit != 0) {
        throw new HelmException("the Helm worker process exited with code " + exit + " (see the operator log)",
            null);
      }
    } catch (IOException e) {
      throw new HelmException("could not run the Helm worker process: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      worker.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new HelmException("interrupted while Helm was working; the operator is stopping", e);
    } finally {
      if (worker != null) {
        running.remove(worker);
      }
      deleteQuietly(jobFile);
      deleteQuietly(HelmWorker.resultFile(jobFile));
      if (tmpDir != null) {
        HelmWorkerPool.deleteTree(tmpDir);
      }
    }
  }

  private Path writeJob(HelmWorker.Job job) {
    try {
      Files.createDirectories(workDir);
      Path file = Files.createTempFile(workDir, "helm-job-", ".json",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      JSON.writeValue(file.toFile(), job);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write the Helm job file in " + workDir, e);
    }
  }

  /** The same Java and the same classes as this operator (absolute paths: the worker may start elsewhere). */
  private static List<String> workerCommand(Path jobFile, Path tmpDir) {
    String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(WORKER_JVM_OPTIONS);
    command.add(HelmWorkerPool.tmpDirOption(tmpDir));
    command.addAll(List.of("-cp", classPath, HelmWorker.class.getName(), jobFile.toString()));
    return command;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("Could not delete {}: {}", file, e.getMessage());
    }
  }
}
