package io.helmop.operator.release;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.operator.lifecycle.SignalHandlers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.MDC;

/**
 * A warm Helm worker of {@link HelmWorkerPool}: a child process that runs one Helm call after another. A render
 * whose templates grow without end takes this process's memory, not the operator's, and the pool can kill it at
 * its bound; an install or upgrade that its HelmRelease no longer wants is stopped by killing the process (a
 * helm-java upgrade cannot be interrupted inside the JVM: its Go code waits on a context nobody can cancel).
 *
 * <p>Arguments: a token and the worker's own folder. Each line on stdin names a job file ({@link Job}); the
 * answer goes to the job file's {@code .result} sibling (JSON of the result, or Helm's message) and one line
 * {@code <token> ok|failed|tests-failed} on stdout (tests-failed: the release was installed or upgraded but its
 * tests, spec.test, failed). Only the pool's lines carry the token: whatever Helm's Go code prints to
 * the same stdout is passed on as log. End of stdin means the operator retired this worker or went away, even
 * by SIGKILL: the worker halts at once, mid-render too.
 */
public final class HelmWorkerServer {
  static final String OK = "ok";
  static final String FAILED = "failed";
  static final String TESTS_FAILED = "tests-failed";
  /** The exit code of a worker whose operator went away (its end of stdin closed). */
  static final int OPERATOR_GONE = 71;
  static final String READY = "ready";
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** One call: {@code operation} is render, lint, install, upgrade or uninstall (with {@code uninstall}). */
  record Job(String operation, HelmJob job, String kubeVersion, HelmEngine.UninstallOptions uninstall) {
    Job(String operation, HelmJob job, String kubeVersion) {
      this(operation, job, kubeVersion, null);
    }

    static final String RENDER = "render";
    static final String LINT = "lint";
    static final String INSTALL = "install";
    static final String UPGRADE = "upgrade";
    static final String UNINSTALL = "uninstall";

    /** Renders and lints are bounded by the render limits; installs and upgrades by Helm's own timeout. */
    boolean rendersOnly() {
      return RENDER.equals(operation) || LINT.equals(operation);
    }
  }

  private HelmWorkerServer() {}

  static Path resultFile(Path jobFile) {
    return jobFile.resolveSibling(jobFile.getFileName() + ".result");
  }

  public static void main(String[] args) throws Exception {
    String token = args[0];
    Path dir = Path.of(args[1]);
    PrintStream protocol = System.out;
    System.setOut(System.err); // logs (logback starts later) go to stderr; stdout is the pool's
    BlockingQueue<String> jobs = new LinkedBlockingQueue<>();
    readJobs(jobs);
    offerToTheOomKiller();
    SignalHandlers signals = SignalHandlers.captureJvmHandlers();
    PreflightCharts charts = new PreflightCharts(dir.resolve("preflight"), 8);
    warmUp(dir, signals, charts);
    protocol.println(token + " " + READY);
    protocol.flush();
    while (true) {
      Path jobFile = Path.of(jobs.take());
      String status;
      try {
        Job job = JSON.readValue(jobFile.toFile(), Job.class);
        MDC.put("resource.namespace", job.job().namespace());
        MDC.put("resource.name", job.job().releaseName());
        var helm = new HelmJavaEngine(job.job()::kubeconfig, signals, dir, charts);
        Object result = switch (job.operation()) {
          case Job.RENDER -> helm.render(job.job().request(), job.kubeVersion());
          case Job.LINT -> helm.lint(job.job().request());
          case Job.INSTALL, Job.UPGRADE -> release(helm, job.job());
          case Job.UNINSTALL -> {
            helm.uninstall(job.job().releaseName(), job.job().namespace(), job.uninstall());
            yield "done";
          }
          default -> throw new HelmException("unknown operation " + job.operation(), null);
        };
        JSON.writeValue(resultFile(jobFile).toFile(), result);
        status = OK;
      } catch (HelmTestsFailedException e) {
        Files.writeString(resultFile(jobFile), e.getMessage() == null ? "" : e.getMessage());
        status = TESTS_FAILED;
      } catch (RuntimeException | IOException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Files.writeString(resultFile(jobFile), message);
        status = FAILED;
      } finally {
        MDC.clear();
      }
      protocol.println(token + " " + status);
      protocol.flush();
    }
  }

  /**
   * Installs or upgrades, then runs the release's tests (spec.test) here too: bounded by its timeout, stopped with
   * the operation when superseded, with the release's rights.
   */
  private static String release(HelmJavaEngine helm, HelmJob job) {
    if (job.install()) {
      helm.install(job.request(), job.description());
    } else {
      helm.upgrade(job.request(), job.description());
    }
    ReleaseRequest.Tests tests = job.request().options().test();
    if (tests.enable()) {
      try {
        helm.test(job.releaseName(), job.namespace(),
            tests.timeoutSeconds() > 0 ? tests.timeoutSeconds() : job.timeoutSeconds());
      } catch (HelmException e) {
        throw new HelmTestsFailedException(e.getMessage());
      }
    }
    return "done";
  }

  private static void readJobs(BlockingQueue<String> jobs) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          jobs.add(line);
        }
      } catch (IOException ignored) {
        // a broken pipe means the same as the end
      }
      Runtime.getRuntime().halt(OPERATOR_GONE);
    }, "operator-watch");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Should the pod's memory limit be reached between two samples of the pool, the kernel kills the process with
   * the highest score: a render worker, not the operator. Raising one's own score needs no privilege.
   */
  private static void offerToTheOomKiller() {
    try {
      Files.writeString(Path.of("/proc/self/oom_score_adj"), "1000");
    } catch (IOException | UnsupportedOperationException e) {
      System.err.println("helm worker: could not raise its own oom_score_adj: " + e.getMessage());
    }
  }

  /** Loads Helm's library with a render of a one-template chart, so the first real render is as quick. */
  private static void warmUp(Path dir, SignalHandlers signals, PreflightCharts charts) throws IOException {
    Path chart = dir.resolve("warm-up");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: warm-up\nversion: 0.0.1\n");
    Files.writeString(chart.resolve("templates/configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: warm-up}\n");
    var request = new ReleaseRequest("warm-up", "default", chart, Map.of(), false, false,
        java.time.Duration.ofSeconds(30), false, false);
    new HelmJavaEngine(() -> io.helmop.operator.config.HelmKubeconfig.of(null, null), signals, dir, charts)
        .render(request, null);
  }
}
