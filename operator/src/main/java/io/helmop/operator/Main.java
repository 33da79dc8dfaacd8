package io.helmop.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.config.LeaseSettings;
import io.helmop.operator.config.OperationsOptions;
import io.helmop.operator.config.OperatorConfig;
import io.helmop.operator.config.TenantLimits;
import io.helmop.operator.config.RenderOptions;
import io.helmop.operator.config.SourceOptions;
import io.helmop.operator.dependency.SettleWindow;
import io.helmop.operator.drift.DriftCheck;
import io.helmop.operator.drift.KindCatalog;
import io.helmop.operator.drift.ManagedObjectWatcher;
import io.helmop.operator.lifecycle.Leadership;
import io.helmop.operator.lifecycle.ManagementServer;
import io.helmop.operator.policy.CheckCommand;
import io.helmop.operator.policy.ClusterVersion;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.policy.ServerDryRun;
import io.helmop.operator.logging.Logging;
import io.helmop.operator.metrics.HelmopMetrics;
import io.helmop.operator.metrics.JosdkMetrics;
import io.helmop.operator.metrics.MeteredHelmEngine;
import io.helmop.operator.metrics.PrometheusEndpoint;
import io.helmop.operator.reconcile.HelmReleaseReconciler;
import io.helmop.operator.release.HelmProcessEngine;
import io.helmop.operator.release.HelmWorkerPool;
import io.helmop.operator.release.SharedHelmLibrary;
import io.helmop.operator.scheduling.BothEndsQueue;
import io.helmop.operator.release.ReleasePlanner;
import io.helmop.operator.release.ReleaseRecords;
import io.helmop.operator.source.ChartCache;
import io.helmop.operator.source.GitChartSource;
import io.helmop.operator.source.HelmRepositoryClient;
import io.helmop.operator.source.OciRegistryClient;
import io.helmop.operator.source.SourceFetches;
import io.helmop.operator.source.SourceLimits;
import io.helmop.operator.status.EventRecorder;
import io.helmop.operator.status.Redaction;
import io.helmop.operator.status.StatusFactory;
import io.helmop.operator.tenancy.Impersonation;
import io.helmop.operator.tenancy.ServiceAccountKubeconfigs;
import io.helmop.operator.tenancy.TenancyOptions;
import io.helmop.operator.values.ValuesComposer;
import io.helmop.operator.values.ReferenceWatcher;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
  SourceOptions sources = new SourceOptions();

  @CommandLine.Mixin
  OperatorConfig.Options options = new OperatorConfig.Options();

  @CommandLine.Mixin
  OperationsOptions operations = new OperationsOptions();

  @CommandLine.Mixin
  TenantLimits tenantLimits = new TenantLimits();

  @CommandLine.Mixin
  TenancyOptions tenancy = new TenancyOptions();

  @CommandLine.Mixin
  RenderOptions renders = new RenderOptions();

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    SourceLimits sourceLimits = sources.limits(); // flags are checked before anything starts
    OperatorConfig config = options.toConfig();
    TenantLimits.Settings limits = tenantLimits.settings();
    LeaseSettings leaseSettings = operations.lease();
    // one set of secret strings for every channel: logs, conditions, Events
    var redaction = new Redaction();
    Logging.apply(operations.log(), redaction);
    Clock clock = Clock.systemUTC();
    KubernetesClient client = new KubernetesClientBuilder().build();
    HelmKubeconfig kubeconfig = HelmKubeconfig.detect();
    // one id per process: a pending Helm revision that status says another process started was abandoned by it;
    // the same id holds the Lease
    String instance = config.instanceName() + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    var leadership = new Leadership(leaseSettings, Leadership.namespace(leaseSettings, client), instance, clock);
    if (!leadership.enabled()) {
      var holder = leadership.liveHolderOtherThanThis(client);
      if (holder.isPresent()) {
        LOG.error("Another helmop process ({}) holds the Lease {} and acts on HelmReleases: a second one without "
            + "leader election would act beside it and corrupt Helm's history. Start this one with leader election "
            + "(the default: drop --leader-election=false / HELMOP_LEADER_ELECTION=false) to stand by, or stop the "
            + "other one first.", holder.get(), leadership.leaseDescription());
        client.close();
        return 1;
      }
      LOG.warn("Leader election is off (--leader-election=false): run exactly one helmop process on this cluster; "
          + "two acting at once corrupt Helm's history");
    }

    var prometheus = new PrometheusEndpoint();
    var metrics = new HelmopMetrics(prometheus.registry());
    Path workDir = config.cacheDir().resolve("work");
    // one copy of Helm's native library for this JVM and every Helm worker, so its pages are in memory once
    SharedHelmLibrary.extract(workDir.resolve("helm-library"));
    // every request made for a release goes out as its ServiceAccount (when it has one): Helm through a
    // kubeconfig of its own, the release steps through releaseClient; the operator's own informers (HelmReleases,
    // the drift watch) and Events stay on its client
    var impersonation = new Impersonation(client,
        new ServiceAccountKubeconfigs(kubeconfig, workDir.resolve("impersonation")), tenancy.defaultServiceAccount());
    KubernetesClient releaseClient = impersonation.releaseClient();
    // Helm workers start at the first render: a standby replica never renders and keeps none. Installs and
    // upgrades have workers of their own on top of the render workers, so a burst of them never holds up a render
    var helmWorkers = new HelmWorkerPool(renders.limits().plusWorkers(config.helmProcesses()), workDir);
    var helmProcesses = new HelmProcessEngine(impersonation::kubeconfig, config.helmProcesses(), helmWorkers);
    metrics.watchHelmProcesses(helmProcesses::busy, helmProcesses::waiting, config.helmProcesses());
    metrics.watchRenderWorkers(helmWorkers);
    var helm = new MeteredHelmEngine(helmProcesses, metrics);
    var records = new ReleaseRecords(releaseClient);
    var chartCache = new ChartCache(config.cacheDir().resolve("charts"), config.cacheMaxBytes());
    var sourceFetches = new SourceFetches(sources.fetches(), sourceLimits);
    var charts = new HelmRepositoryClient(chartCache, clock, sourceLimits);
    var ociCharts = new OciRegistryClient(chartCache, clock, sourceLimits);
    var gitCharts = new GitChartSource(config.cacheDir().resolve("git"), chartCache, clock, sourceLimits, charts,
        ociCharts);
    var references = new ReferenceWatcher(client, impersonation::serviceAccountOf);
    var statuses = new StatusFactory(clock, instance, redaction);
    var events = new EventRecorder(client, clock, config.instanceName(), redaction);
    var managedObjects = new ManagedObjectWatcher(client);
    var kinds = new KindCatalog(client, clock);
    var drift = new DriftCheck(releaseClient, kinds, managedObjects, clock);
    var preflight = new Preflight(helm, new ServerDryRun(releaseClient, kinds), new ClusterVersion(client, clock),
        config.policyMode());
    var reconciler = new HelmReleaseReconciler(
        new ReleasePlanner(charts, ociCharts, gitCharts, new ValuesComposer(releaseClient, sourceLimits, redaction),
            releaseClient, sourceFetches, redaction),
        records, helm, preflight, statuses, events, new SettleWindow(config.dependencySettle(), clock), references,
        drift, managedObjects, workDir, clock, instance, metrics, limits, impersonation);

    // JOSDK's default pool, made here so that its queue can be measured and served from both ends
    var reconcileThreads = new ThreadPoolExecutor(config.concurrency(), config.concurrency(), 0L,
        TimeUnit.MILLISECONDS, new BothEndsQueue());
    metrics.watchReconcileQueue(reconcileThreads);
    metrics.watchLeadership(leadership::isLeader);
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withConcurrentReconciliationThreads(config.concurrency())
          .withExecutorService(reconcileThreads)
          .withMetrics(new JosdkMetrics(prometheus.registry()))
          .withReconciliationTerminationTimeout(config.shutdownTimeout())
          .withCloseClientOnStop(false); // closed below, once the Lease is handed back
      if (leadership.enabled()) {
        o.withLeaderElectionConfiguration(leadership.josdkConfiguration());
      }
    });
    operator.register(reconciler, c -> {
      c.withRetry(new GenericRetry()
          .setInitialInterval(config.retryInitialInterval().toMillis())
          .setIntervalMultiplier(2)
          .setMaxInterval(config.retryMaxInterval().toMillis())
          .withoutMaxAttempts());
      c.withLabelSelector(operations.shardSelector());
      if (config.namespaces().isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(config.namespaces());
      }
    });
    var endpoints = ManagementServer.start(operations.health(), operations.metrics(),
        () -> new ManagementServer.Check(true, "ok"),
        () -> readiness(operator, leadership),
        prometheus::scrape);
    leadership.onLost(helmProcesses::close);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("helmop is stopping (signal received)");
      leadership.stopping();
      operator.stop();
      helmProcesses.close();
      references.close();
      impersonation.close();
      managedObjects.close();
      leadership.release(client);
      client.close();
      endpoints.close();
      LOG.info("helmop stopped cleanly");
    }, "helmop-shutdown"));

    LOG.info("helmop starting: instance={}, namespaces={}, HelmReleases={}, kubeconfig for Helm={}, cache={}, "
        + "releases act as {}, leader election={}", instance,
        config.namespaces().isEmpty() ? "all" : config.namespaces(), operations.shardSelector(), kubeconfig,
        config.cacheDir(),
        tenancy.defaultServiceAccount().map(sa -> "their ServiceAccount, by default " + sa + " (lockdown)")
            .orElse("their spec.serviceAccountName, else the operator itself (single-tenant)"),
        leadership.enabled() ? "Lease " + leadership.leaseDescription() : "off");
    LOG.info("Adopting releases no HelmRelease owns: {}; references to other namespaces: {}",
        limits.adoptReleases() ? "yes" : "no (--adopt-releases=false)",
        limits.crossNamespaceRefs() ? "followed" : "refused (--no-cross-namespace-refs)");
    operator.start();
    LOG.info("helmop started: {}", leadership.describe());
    Thread.currentThread().join(); // the operator runs on its own threads until the JVM is told to stop
    return 0;
  }

  /**
   * Ready once the informers have synced and stay healthy, on the leader and on a standby alike: a standby with
   * warm caches is what a rolling update waits for, and it takes over within a lease duration. The body says
   * which one this process is.
   */
  static ManagementServer.Check readiness(Operator operator, Leadership leadership) {
    var runtime = operator.getRuntimeInfo();
    if (!runtime.isStarted()) {
      return new ManagementServer.Check(false, "starting: the informers have not synced yet");
    }
    if (!runtime.allEventSourcesAreHealthy()) {
      return new ManagementServer.Check(false, "not ready: unhealthy event sources "
          + runtime.unhealthyEventSources());
    }
    return new ManagementServer.Check(true, "ok: " + leadership.describe());
  }
}
