package io.helmop.operator.release;

import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.scheduling.BothEndsGate;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Helm calls in the warm worker processes of a {@link HelmWorkerPool}: renders and lints under the render
 * bounds, installs and upgrades under Helm's own timeout, so that helmop can stop one whose HelmRelease has moved
 * on instead of waiting for Helm's timeout (the worker is killed and replaced), and uninstalls. The operator's own
 * JVM never loads Helm's library (its Go runtime, about 50 MiB, and the signal handlers it takes), and the native
 * memory helm-java leaks per call goes away with the worker when it is recycled.
 */
public class HelmProcessEngine implements HelmEngine {
  private static final Logger LOG = LoggerFactory.getLogger(HelmProcessEngine.class);
  /** How often an operation waiting for its turn checks whether it was superseded. */
  private static final long POLL_MILLIS = 200;

  /** The kubeconfig of the release being reconciled on the calling thread (it may impersonate its ServiceAccount). */
  private final Supplier<HelmKubeconfig> kubeconfig;
  /**
   * Bounds the installs and upgrades at once (they hold a worker while Helm waits for readiness); the pool has
   * this many workers more than its render workers, so renders never wait behind a burst of installs. Under a
   * backlog, the oldest and the newest waiting go in turn: a release just created does not wait for a whole storm.
   */
  private final BothEndsGate turns;
  private final HelmWorkerPool workers;

  public HelmProcessEngine(Supplier<HelmKubeconfig> kubeconfig, int maxOperations, HelmWorkerPool workers) {
    this.kubeconfig = kubeconfig;
    this.turns = new BothEndsGate(maxOperations);
    this.workers = workers;
  }

  /** Installs and upgrades running now (a metric). */
  public int busy() {
    return turns.busy();
  }

  /** Installs and upgrades waiting for their turn (a metric). */
  public int waiting() {
    return turns.waiting();
  }

  @Override
  public void install(ReleaseRequest request, String description, BooleanSupplier superseded) {
    run(HelmJob.of(true, request, description, kubeconfig.get()), superseded);
  }

  @Override
  public void upgrade(ReleaseRequest request, String description, BooleanSupplier superseded) {
    run(HelmJob.of(false, request, description, kubeconfig.get()), superseded);
  }

  @Override
  public void uninstall(String releaseName, String namespace) {
    uninstall(releaseName, namespace, UninstallOptions.DEFAULT);
  }

  @Override
  public void uninstall(String releaseName, String namespace, UninstallOptions options) {
    LOG.debug("helm call: uninstall {}/{} (in a Helm worker)", namespace, releaseName);
    workers.call(new HelmWorkerServer.Job(HelmWorkerServer.Job.UNINSTALL,
        HelmJob.named(releaseName, namespace, kubeconfig.get()), null, options), String.class,
        "the uninstall of release " + releaseName, () -> false);
  }

  @Override
  public RenderedRelease render(ReleaseRequest request, String kubeVersion) {
    LOG.debug("helm call: template {} (in a Helm worker)", request); // what tests count: no call when unchanged
    return workers.call(new HelmWorkerServer.Job(HelmWorkerServer.Job.RENDER, job(request), kubeVersion),
        RenderedRelease.class, "the render", () -> false);
  }

  @Override
  public LintReport lint(ReleaseRequest request) {
    LOG.debug("helm call: lint {} (in a Helm worker)", request);
    return workers.call(new HelmWorkerServer.Job(HelmWorkerServer.Job.LINT, job(request), null), LintReport.class,
        "helm lint", () -> false);
  }

  /** Stops the operations still running (the operator is stopping; they would not be waited for anyway). */
  public void close() {
    workers.close();
  }

  private HelmJob job(ReleaseRequest request) {
    return HelmJob.of(false, request, null, kubeconfig.get());
  }

  private void run(HelmJob job, BooleanSupplier superseded) {
    String operation = (job.install() ? "install" : "upgrade") + " of release " + job.releaseName();
    LOG.debug("helm call: {} (in a Helm worker)", operation);
    try {
      if (!turns.enter(superseded, POLL_MILLIS)) {
        throw new HelmStoppedException("helmop dropped the " + operation + ", which was waiting for its turn");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HelmException("interrupted while waiting to run Helm; the operator is stopping", e);
    }
    try {
      workers.call(new HelmWorkerServer.Job(job.install() ? HelmWorkerServer.Job.INSTALL
          : HelmWorkerServer.Job.UPGRADE, job, null), String.class, "the " + operation, superseded);
    } finally {
      turns.release();
    }
  }
}
