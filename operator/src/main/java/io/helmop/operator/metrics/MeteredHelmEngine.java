package io.helmop.operator.metrics;

import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmStoppedException;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedRelease;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** A {@link HelmEngine} that times every Helm action by action and result ({@code helmop_helm_action_seconds}). */
public final class MeteredHelmEngine implements HelmEngine {
  private final HelmEngine helm;
  private final HelmopMetrics metrics;

  public MeteredHelmEngine(HelmEngine helm, HelmopMetrics metrics) {
    this.helm = helm;
    this.metrics = metrics;
  }

  @Override
  public void install(ReleaseRequest request, String description, BooleanSupplier superseded) {
    timed("install", () -> {
      helm.install(request, description, superseded);
      return null;
    });
  }

  /** An upgrade that rolls back to an earlier revision says so in its description ("helmop: rollback to ..."). */
  @Override
  public void upgrade(ReleaseRequest request, String description, BooleanSupplier superseded) {
    String action = description != null && description.contains("rollback") ? "rollback" : "upgrade";
    timed(action, () -> {
      helm.upgrade(request, description, superseded);
      return null;
    });
  }

  @Override
  public void uninstall(String releaseName, String namespace) {
    timed("uninstall", () -> {
      helm.uninstall(releaseName, namespace);
      return null;
    });
  }

  @Override
  public void uninstall(String releaseName, String namespace, UninstallOptions options) {
    timed("uninstall", () -> {
      helm.uninstall(releaseName, namespace, options);
      return null;
    });
  }

  @Override
  public RenderedRelease render(ReleaseRequest request, String kubeVersion) {
    return timed("template", () -> helm.render(request, kubeVersion));
  }

  @Override
  public LintReport lint(ReleaseRequest request) {
    return timed("lint", () -> helm.lint(request));
  }

  private <T> T timed(String action, Supplier<T> call) {
    long start = System.nanoTime();
    String result = "failure";
    try {
      T value = call.get();
      result = "success";
      return value;
    } catch (HelmStoppedException e) {
      result = "stopped";
      throw e;
    } finally {
      metrics.helmAction(action, result, Duration.ofNanos(System.nanoTime() - start));
    }
  }
}
