package io.helmop.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.config.OperatorConfig;
import io.helmop.operator.dependency.SettleWindow;
import io.helmop.operator.drift.DriftCheck;
import io.helmop.operator.drift.KindCatalog;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.lifecycle.SignalHandlers;
import io.helmop.operator.policy.CheckCommand;
import io.helmop.operator.policy.ClusterVersion;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.policy.ServerDryRun;
import io.helmop.operator.reconcile.HelmReleaseReconciler;
import io.helmop.operator.release.HelmJavaEngine;
import io.helmop.operator.release.HelmProcessEngine;
import io.helmop.operator.release.ReleasePlanner;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.source.ChartCache;
import io.helmop.operator.source.GitChartSource;
import io.helmop.operator.source.HelmRepositoryClient;
import io.helmop.operator.source.OciRegistryClient;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.values.ValuesComposer;
import io.helmop.operator.values.ReferenceWatcher;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Starts helmop: wires the reconcile steps together and runs the operator until SIGTERM. `helmop check CHART`
 * runs the preflight checks on a chart without a cluster ({@link CheckCommand}).
 */
@CommandLine.Command(name = "helmop", mixinStandardHelpOptions = true, version = "helmop 0.1.0",
    description = "Reconciles HelmRelease resources (helmop.io/v1alpha1) into Helm releases.%n"
        + "Reaches the cluster through KUBECONFIG, ~/.kube/config, or the pod's service account.",
    subcommands = CheckCommand.class)
public final class Main implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  @CommandLine.Mixin
  OperatorConfig.Options options = new OperatorConfig.Options();

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    OperatorConfig config = options.toConfig();
    // Before any Helm call: remember the JVM's signal handlers so they can be taken back from Go.
    SignalHandlers signals = SignalHandlers.captureJvmHandlers();
    Clock clock = Clock.systemUTC();
    KubernetesClient client = new KubernetesClientBuilder().build();
    HelmKubeconfig kubeconfig = HelmKubeconfig.detect();

    Path workDir = config.cacheDir().resolve("work");
    var helm = new HelmProcessEngine(new HelmJavaEngine(kubeconfig, signals, workDir), kubeconfig, workDir,
        config.helmProcesses());
    var records = new ReleaseRecords(client);
    var chartCache = new ChartCache(config.cacheDir().resolve("charts"), config.cacheMaxBytes());
    var charts = new HelmRepositoryClient(chartCache, clock);
    var ociCharts = new OciRegistryClient(chartCache, clock);
    var gitCharts = new GitChartSource(config.cacheDir().resolve("git"), chartCache, clock);
    var references = new ReferenceWatcher(client);
    // one id per process: a pending Helm revision that status says another process started was abandoned by it
    String instance = config.instanceName() + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    var statuses = new StatusFactory(clock, instance);
    var events = new EventRecorder(client, clock, config.instanceName());
    var managedObjects = new ManagedObjectWatcher(client);
    var kinds = new KindCatalog(client, clock);
    var drift = new DriftCheck(client, kinds, managedObjects, clock);
    var preflight = new Preflight(helm, new ServerDryRun(client, kinds), new ClusterVersion(client, clock),
        config.policyMode());
    var reconciler = new HelmReleaseReconciler(
        new ReleasePlanner(charts, ociCharts, gitCharts, new ValuesComposer(client), client),
        records, helm, preflight, statuses, events, new SettleWindow(config.dependencySettle(), clock), references,
        drift, managedObjects, workDir, clock, instance);

    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withConcurrentReconciliationThreads(config.concurrency())
        .withReconciliationTerminationTimeout(config.shutdownTimeout())
        .withCloseClientOnStop(true));
    operator.register(reconciler, c -> {
      c.withRetry(new GenericRetry()
          .setInitialInterval(config.retryInitialInterval().toMillis())
          .setIntervalMultiplier(2)
          .setMaxInterval(config.retryMaxInterval().toMillis())
          .withoutMaxAttempts());
      if (config.namespaces().isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(config.namespaces());
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("helmop is stopping (signal received)");
      operator.stop();
      helm.close();
      references.close();
      managedObjects.close();
      LOG.info("helmop stopped cleanly");
    }, "helmop-shutdown"));

    LOG.info("helmop starting: instance={}, namespaces={}, kubeconfig for Helm={}, cache={}", instance,
        config.namespaces().isEmpty() ? "all" : config.namespaces(), kubeconfig, config.cacheDir());
    operator.start();
    LOG.info("helmop started");
    Thread.currentThread().join(); // the operator runs on its own threads until the JVM is told to stop
    return 0;
  }
}
