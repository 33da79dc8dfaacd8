package io.helmop.operator.release;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a release before it touches the cluster: the chart must render with the values (`helm template`).
 * `helm lint` findings are logged; lint runs without the release's values in helm-java, so its errors would
 * wrongly block charts with required values.
 */
public class Preflight {
  private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

  private final HelmEngine helm;

  public Preflight(HelmEngine helm) {
    this.helm = helm;
  }

  public void check(DesiredRelease desired) throws ReconcileFailure {
    try {
      helm.template(desired.request());
    } catch (HelmException e) {
      throw ReconcileFailure.stalled(Reasons.RENDER_FAILED, "Chart " + desired.chart().nameAndVersion()
          + " does not render with the release's values: " + HelmException.summary(e)
          + ". Fix spec.values (or the chart) and apply again.");
    }
    try {
      HelmEngine.LintReport lint = helm.lint(desired.request());
      lint.messages().forEach(message -> LOG.info("helm lint {}: {}", desired.chart().nameAndVersion(), message));
    } catch (HelmException e) {
      LOG.info("helm lint {} could not run: {}", desired.chart().nameAndVersion(), e.getMessage());
    }
  }
}
