package io.helmop.operator.policy;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.RenderLimitException;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedRelease;
import io.helmop.operator.status.Reasons;
import io.helmop.operator.tenancy.Forbidden;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a release before Helm touches the cluster, in this order: render the chart with the release's values
 * as the cluster would (Helm checks values.schema.json first), `helm lint` with the same values, the policy
 * rules on the rendered objects and hooks, and a server-side dry run of every object. The first step that
 * fails ends the check: no Helm call follows, and the last good release stays as it is.
 */
public class Preflight {
  private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

  private final HelmEngine helm;
  private final DryRun dryRun;
  private final Supplier<String> kubeVersion;
  private final PolicySpec.Mode defaultMode;

  /**
   * @param kubeVersion the cluster's Kubernetes version (null: Helm's default)
   * @param defaultMode the policy mode of releases whose spec.policy.mode is empty (the operator's flag)
   */
  public Preflight(HelmEngine helm, DryRun dryRun, Supplier<String> kubeVersion, PolicySpec.Mode defaultMode) {
    this.helm = helm;
    this.dryRun = dryRun;
    this.kubeVersion = kubeVersion;
    this.defaultMode = defaultMode;
  }

  /**
   * What the preflight found.
   *
   * @param policy what the rules found; null when the check stopped before them
   * @param failure why the release must not go ahead; null when it may
   */
  public record Result(PolicyReport policy, ReconcileFailure failure) {
    public boolean passed() {
      return failure == null;
    }
  }

  /** spec.policy with the operator's default mode; an unknown rule id stalls the release (InvalidSpec). */
  public PolicySettings settings(HelmRelease release) throws ReconcileFailure {
    return PolicySettings.of(release, defaultMode);
  }

  public Result check(HelmRelease release, DesiredRelease desired) throws ReconcileFailure {
    PolicySettings settings = settings(release);
    ReleaseRequest request = desired.request();
    String chart = desired.chart().nameAndVersion();
    RenderedRelease rendered;
    try {
      rendered = helm.render(request, kubeVersion.get());
    } catch (HelmException e) {
      return new Result(null, renderFailure(desired, e));
    }
    Redactor redactor = Redactor.of(desired.valueSources(), rendered.chartValues());

    try {
      List<String> lintErrors = HelmMessages.lintErrors(helm.lint(request).messages());
      if (!lintErrors.isEmpty()) {
        return new Result(null, ReconcileFailure.stalled(Reasons.PREFLIGHT_FAILED, redactor.apply("helm lint of "
            + "chart " + chart + " with the release's values found " + lintErrors.size() + " error"
            + (lintErrors.size() == 1 ? "" : "s") + "; nothing was installed and the last good release keeps "
            + "serving. Fix the chart or the values: " + numbered(lintErrors))));
      }
    } catch (RenderLimitException e) {
      return new Result(null, renderLimit(desired, e));
    } catch (HelmException e) {
      LOG.info("helm lint {} could not run: {}", chart, redactor.apply(String.valueOf(e.getMessage())));
    }

    PolicyReport policy = rules(settings, desired, rendered);
    if (policy.blocks()) {
      return new Result(policy, ReconcileFailure.stalled(Reasons.PREFLIGHT_FAILED, "Policy mode Enforce blocks "
          + "chart " + chart + ": " + policy.findings().size() + " violation"
          + (policy.findings().size() == 1 ? "" : "s") + "; nothing was installed and the last good release "
          + "keeps serving. Fix them, or exclude a rule (spec.policy.exclude, or the annotation "
          + "helmop.io/policy-exclude on the object): " + policy.describeFindings()));
    }

    List<String> refused = dryRun.check(rendered, request);
    Optional<String> forbidden = refused.stream().map(Forbidden::explain).flatMap(Optional::stream).findFirst();
    if (forbidden.isPresent()) { // the release's ServiceAccount may not create what the chart holds
      return new Result(policy, ReconcileFailure.retryable(Reasons.FORBIDDEN, redactor.apply("The API server "
          + "refused " + refused.size() + " object" + (refused.size() == 1 ? "" : "s") + " of chart " + chart
          + " in a dry run; nothing was installed. " + forbidden.get() + " helmop retries with backoff: "
          + numbered(refused)), null));
    }
    if (!refused.isEmpty()) {
      return new Result(policy, ReconcileFailure.retryable(Reasons.PREFLIGHT_FAILED, redactor.apply("The API "
          + "server refused " + refused.size() + " object" + (refused.size() == 1 ? "" : "s") + " of chart "
          + chart + " in a dry run; nothing was installed and the last good release keeps serving. helmop "
          + "retries with backoff: " + numbered(refused)), null));
    }
    return new Result(policy, null);
  }

  /**
   * The rules alone (render, no lint, no dry run), for a deployed release whose spec.policy or upgrade settings
   * changed without a new revision. Empty when the chart does not render (the next upgrade's preflight will say).
   */
  public Optional<PolicyReport> rulesOnly(HelmRelease release, DesiredRelease desired) throws ReconcileFailure {
    PolicySettings settings = settings(release);
    if (settings.disabled()) {
      return Optional.of(PolicyReport.disabled(desired.chart().nameAndVersion()));
    }
    try {
      return Optional.of(rules(settings, desired, helm.render(desired.request(), kubeVersion.get())));
    } catch (HelmException e) {
      LOG.info("Policy rules not checked: chart {} does not render ({})", desired.chart().nameAndVersion(),
          Redactor.of(desired.valueSources(), Map.of()).apply(HelmException.summary(e)));
      return Optional.empty();
    }
  }

  private static PolicyReport rules(PolicySettings settings, DesiredRelease desired, RenderedRelease rendered) {
    String chart = desired.chart().nameAndVersion();
    if (settings.disabled()) {
      return PolicyReport.disabled(chart);
    }
    ReleaseRequest request = desired.request();
    var input = new PolicyRules.Input(rendered.objects(), desired.valueSources(), rendered.chartValues(), chart,
        request.releaseName(), new PolicyRules.Upgrade(request.atomic(), request.waitReady(), request.timeout()));
    if (!rendered.hooksRendered()) {
      LOG.warn("Chart {}: its hooks could not be rendered, so the rules did not check them", chart);
    }
    return new PolicyReport(settings, chart, PolicyRules.evaluate(input, settings.exclude()));
  }

  /** The cluster's Kubernetes version charts are rendered for (null: Helm's default). */
  public String kubeVersion() {
    return kubeVersion.get();
  }

  /** Why a chart that does not render cannot be released, as the preflight says it. */
  public static ReconcileFailure renderFailure(DesiredRelease desired, HelmException e) {
    if (e instanceof RenderLimitException limit) {
      return renderLimit(desired, limit);
    }
    Redactor redactor = Redactor.of(desired.valueSources(), Map.of());
    String chart = desired.chart().nameAndVersion();
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (HelmMessages.isSchemaFailure(message)) {
      return ReconcileFailure.stalled(Reasons.VALUES_INVALID, redactor.apply("The release's values do not match "
          + "values.schema.json of chart " + chart + ": " + String.join("; ", HelmMessages.schemaViolations(message))
          + ". Nothing was installed. Fix spec.values (or valuesFiles, valuesFrom) and apply again."));
    }
    return ReconcileFailure.stalled(Reasons.RENDER_FAILED, redactor.apply("Chart " + chart + " does not render "
        + "with the release's values: " + HelmException.summary(e) + ". Nothing was installed. Fix spec.values "
        + "(or the chart) and apply again."));
  }

  /** The message names the bound and its flag already; this adds the chart and what to do. */
  private static ReconcileFailure renderLimit(DesiredRelease desired, RenderLimitException e) {
    String advice = switch (e.bound()) {
      case MEMORY -> "Look for a template loop that grows without end (or values that make one), or raise "
          + "--render-memory-limit if the chart really needs that much";
      case TIME -> "Look for a template loop that does not end (or values that make one), or raise "
          + "--render-timeout if the chart really takes that long";
      case OUTPUT -> "Render fewer or smaller objects (look for a template loop, or values that multiply them)";
    };
    return ReconcileFailure.stalled(Reasons.RENDER_LIMIT_EXCEEDED, "Chart " + desired.chart().nameAndVersion()
        + " with the release's values: " + e.getMessage() + ". Nothing was installed and the last good release "
        + "keeps serving; other releases are not affected. " + advice + ", then change the chart version or "
        + "spec.values (or valuesFiles, valuesFrom) and apply again.");
  }

  private static String numbered(List<String> items) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < items.size(); i++) {
      text.append(i == 0 ? "" : " ").append(i + 1).append(") ").append(items.get(i))
          .append(items.get(i).endsWith(".") ? "" : ".");
    }
    return text.toString();
  }
}
