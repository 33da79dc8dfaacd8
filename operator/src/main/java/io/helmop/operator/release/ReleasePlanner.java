package io.helmop.operator.release;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.InstallSpec;
import io.helmop.api.v1alpha1.UpgradeSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.Durations;
import io.helmop.operator.source.HelmRepositoryClient;
import io.helmop.operator.source.RepositoryCredentials;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.values.ValuesComposer;
import java.time.Duration;

/** Turns a HelmRelease into the release it asks for: the chart resolved, the values composed, the options set. */
public class ReleasePlanner {
  private final HelmRepositoryClient charts;
  private final ValuesComposer values;
  private final KubernetesClient client;

  public ReleasePlanner(HelmRepositoryClient charts, ValuesComposer values, KubernetesClient client) {
    this.charts = charts;
    this.values = values;
    this.client = client;
  }

  public DesiredRelease plan(HelmRelease release) throws ReconcileFailure {
    HelmReleaseSpec spec = release.getSpec();
    Duration interval = Durations.interval(spec.getInterval());
    ResolvedChart chart = charts.resolve(spec.getChart(), interval, RepositoryCredentials.load(client, release));
    UpgradeSpec upgrade = spec.getUpgrade() == null ? new UpgradeSpec() : spec.getUpgrade();
    InstallSpec install = spec.getInstall() == null ? new InstallSpec() : spec.getInstall();
    ReleaseRequest request = new ReleaseRequest(
        release.releaseName(),
        release.targetNamespace(),
        chart.archive(),
        values.compose(release, chart),
        !Boolean.FALSE.equals(upgrade.getAtomic()),
        !Boolean.FALSE.equals(upgrade.getWait()),
        Durations.parse("spec.upgrade.timeout", upgrade.getTimeout(), "5m"),
        Boolean.TRUE.equals(install.getCreateNamespace()),
        !Boolean.FALSE.equals(upgrade.getCleanupOnFail()));
    return DesiredRelease.of(chart, request);
  }
}
