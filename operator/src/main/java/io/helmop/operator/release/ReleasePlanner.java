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
    UpgradeSpec upgrade = spec.getUpgrade() == null ? new UpgradeSpec() : spec.getUpgrade();
    InstallSpec install = spec.getInstall() == null ? new InstallSpec() : spec.getInstall();
    List<ValuesSource> sources = values.sources(release, chart);
    ReleaseRequest request = new ReleaseRequest(
        release.releaseName(),
        release.targetNamespace(),
        chart.archive(),
        ValuesComposer.merged(sources),
        !Boolean.FALSE.equals(upgrade.getAtomic()),
        !Boolean.FALSE.equals(upgrade.getWait()),
        Durations.parse("spec.upgrade.timeout", upgrade.getTimeout(), "5m"),
        Boolean.TRUE.equals(install.getCreateNamespace()),
        !Boolean.FALSE.equals(upgrade.getCleanupOnFail()),
        install.getCrds() == CrdPolicy.Skip,
        install.getCrds() == CrdPolicy.CreateReplace || upgrade.getCrds() == CrdPolicy.CreateReplace);
    return DesiredRelease.of(chart, request, sources,
        io.helmop.operator.postrender.PostRenderers.digestInput(spec));
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
