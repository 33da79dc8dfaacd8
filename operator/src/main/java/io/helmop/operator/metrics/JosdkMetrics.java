package io.helmop.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * JOSDK's reconcile metrics (its micrometer-support module, aggregated per resource type: one series per
 * HelmRelease would grow without bound), minus one side effect: MicrometerMetrics wraps what the reconciler throws
 * in an OperatorException, and helmop's reconciler, its retry and its logs expect its own exceptions back.
 */
public final class JosdkMetrics implements Metrics {
  private final Metrics micrometer;

  public JosdkMetrics(MeterRegistry registry) {
    this.micrometer = MicrometerMetrics.newMicrometerMetricsBuilder(registry).notCollectingMetricsPerResource()
        .build();
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    try {
      return micrometer.timeControllerExecution(execution);
    } catch (OperatorException e) {
      if (e.getCause() instanceof Exception cause && e.getMessage() != null
          && e.getMessage().equals(cause.toString())) {
        throw cause; // the wrapper MicrometerMetrics added
      }
      throw e;
    }
  }

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    micrometer.controllerRegistered(controller);
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    micrometer.receivedEvent(event, metadata);
  }

  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    micrometer.reconcileCustomResource(resource, retryInfo, metadata);
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    micrometer.failedReconciliation(resource, exception, metadata);
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    micrometer.reconciliationExecutionStarted(resource, metadata);
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    micrometer.reconciliationExecutionFinished(resource, metadata);
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    micrometer.cleanupDoneFor(resourceID, metadata);
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    micrometer.finishedReconciliation(resource, metadata);
  }

  @Override
  public <T extends Map<?, ?>> T monitorSizeOf(T map, String name) {
    return micrometer.monitorSizeOf(map, name);
  }
}
