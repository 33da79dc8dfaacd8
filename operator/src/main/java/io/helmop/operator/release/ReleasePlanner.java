package io.helmop.operator.release;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.api.v1alpha1.CrdPolicy;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.InstallSpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.Durations;
import io.helmop.operator.source.GitChartSource;
import io.helmop.operator.source.HelmRepositoryClient;
import io.helmop.operator.source.OciRegistryClient;
import io.helmop.operator.source.RepositoryCredentials;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.source.SourceFetches;
import io.helmop.operator.source.SourceUrls;
import io.helmop.api.v1alpha1.GitSource;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.status.Redaction;
import io.helmop.operator.values.ValuesComposer;
import io.helmop.operator.values.ValuesSource;
import java.time.Duration;
import java.util.List;

/** Turns a HelmRelease into the release it asks for: the chart resolved, the values composed, the options set. */
public class ReleasePlanner implements Planner {
  private final HelmRepositoryClient charts;
  private final OciRegistryClient oci;
  private final GitChartSource git;
  private final ValuesComposer values;
  private final KubernetesClient client;
  private final SourceFetches fetches;
  private final Redaction redaction;

  public ReleasePlanner(HelmRepositoryClient charts, OciRegistryClient oci, GitChartSource git,
      ValuesComposer values, KubernetesClient client) {
    this(charts, oci, git, values, client, SourceFetches.inline(), new Redaction());
  }

  /**
   * @param fetches where chart fetches run, apart from the reconcile threads
   * @param redaction learns the repository credentials, to keep them out of messages
   */
  public ReleasePlanner(HelmRepositoryClient charts, OciRegistryClient oci, GitChartSource git,
      ValuesComposer values, KubernetesClient client, SourceFetches fetches, Redaction redaction) {
    this.fetches = fetches;
    this.redaction = redaction;
    this.charts = charts;
    this.oci = oci;
    this.git = git;
    this.values = values;
    this.client = client;
  }

  @Override
  public DesiredRelease plan(HelmRelease release) throws ReconcileFailure {
    HelmReleaseSpec spec = release.getSpec();
    Duration interval = Durations.interval(spec.getInterval());
    ResolvedChart chart = resolveChart(release, interval);
    List<ValuesSource> sources = values.sources(release, chart);
    ReleaseRequest request = request(release, chart.archive(), ValuesComposer.merged(sources));
    return DesiredRelease.of(chart, request, sources,
        io.helmop.operator.postrender.PostRenderers.digestInput(spec));
  }

  /**
   * The Helm options the spec asks for: spec.install's own atomic/wait/timeout (each falling back to spec.upgrade's
   * when unset), the switches, the tests; a switch helm-java cannot honour stalls here, before anything runs.
   */
  public static ReleaseRequest request(HelmRelease release, java.nio.file.Path archive,
      java.util.Map<String, Object> values) throws ReconcileFailure {
    HelmReleaseSpec spec = release.getSpec();
    UpgradeSpec upgrade = spec.getUpgrade() == null ? new UpgradeSpec() : spec.getUpgrade();
    InstallSpec install = spec.getInstall() == null ? new InstallSpec() : spec.getInstall();
    Switches.refuseUnsupported(spec);
    boolean upgradeWait = !Boolean.FALSE.equals(upgrade.getWait()) && !Boolean.TRUE.equals(upgrade.getDisableWait());
    Duration upgradeTimeout = Durations.parse("spec.upgrade.timeout", upgrade.getTimeout(), "5m");
    boolean installWait = install.getDisableWait() != null ? !install.getDisableWait() : upgradeWait;
    // Helm's atomic mode waits: an operation that does not wait is not atomic either, for Helm and for helmop's
    // own undo of failed tests and its restores alike
    ReleaseRequest.Operation installs = new ReleaseRequest.Operation(
        (install.getAtomic() != null ? install.getAtomic() : !Boolean.FALSE.equals(upgrade.getAtomic()))
            && installWait,
        installWait,
        (install.getTimeout() == null ? upgradeTimeout
            : Durations.parse("spec.install.timeout", install.getTimeout(), "5m")).toSeconds(),
        Boolean.TRUE.equals(install.getDisableOpenAPIValidation()));
    ReleaseRequest request = new ReleaseRequest(
        release.releaseName(),
        release.targetNamespace(),
        archive,
        values,
        !Boolean.FALSE.equals(upgrade.getAtomic()) && upgradeWait,
        upgradeWait,
        upgradeTimeout,
        Boolean.TRUE.equals(install.getCreateNamespace()),
        !Boolean.FALSE.equals(upgrade.getCleanupOnFail()),
        install.getCrds() == CrdPolicy.Skip,
        install.getCrds() == CrdPolicy.CreateReplace || upgrade.getCrds() == CrdPolicy.CreateReplace,
        new ReleaseRequest.Options(installs, Boolean.TRUE.equals(upgrade.getDisableOpenAPIValidation()),
            Boolean.TRUE.equals(upgrade.getForce()), Boolean.TRUE.equals(upgrade.getPreserveValues()),
            Switches.tests(spec)));
    if (Switches.schemaValidationDisabled(release)) {
      request = request.withChart(SchemaFreeChart.copyOf(archive));
    }
    return request;
  }

  /** Exactly one source: a Helm repository or OCI registry (repository + name) or a Git folder (git). */
  private ResolvedChart resolveChart(HelmRelease release, Duration interval) throws ReconcileFailure {
    ChartSpec chart = release.getSpec().getChart();
    boolean fromRepository = chart.getRepository() != null && !chart.getRepository().isBlank();
    if (fromRepository == (chart.getGit() != null)) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, "spec.chart needs exactly one source: repository and name "
          + "(a Helm repository) or git (a chart folder in a Git repository).");
    }
    // before anything names the URL in a message
    if (chart.getGit() != null) {
      SourceUrls.checkGit(chart.getGit().getUrl());
    } else {
      SourceUrls.checkRepository(chart.getRepository());
    }
    RepositoryCredentials credentials = RepositoryCredentials.load(client, release);
    redaction.remember("credentials of " + release.getMetadata().getNamespace() + "/"
        + release.getMetadata().getName(), credentials.secrets());
    String secret = String.valueOf(credentials.secret());
    if (chart.getGit() != null) {
      GitSource source = chart.getGit();
      return fetches.resolve(String.join("\n", "git", source.getUrl(), String.valueOf(source.getRef()),
          String.valueOf(source.getPath()), secret), "Git repository " + source.getUrl() + " (spec.chart.git.url)",
          () -> git.resolve(source, interval, credentials));
    }
    if (chart.getName() == null || chart.getName().isBlank()) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, "spec.chart.name is empty: name the chart to install from "
          + chart.getRepository() + ".");
    }
    String key = String.join("\n", "chart", chart.getRepository(), chart.getName(),
        String.valueOf(chart.getVersion()), secret);
    String what = "chart " + chart.getName() + " from " + chart.getRepository() + " (spec.chart.repository)";
    return chart.getRepository().startsWith("oci://")
        ? fetches.resolve(key, what, () -> oci.resolve(chart, interval, credentials))
        : fetches.resolve(key, what, () -> charts.resolve(chart, interval, credentials));
  }
}
