package io.helmop.operator.metrics;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JOSDK's Micrometer metrics hand the reconciler's own exception back to JOSDK (its retry and error handler). */
class JosdkMetricsTest {

  @Test
  void theReconcilersExceptionComesBackUnwrapped() {
    var metrics = new JosdkMetrics(new SimpleMeterRegistry());
    ReconcileFailure failure = ReconcileFailure.retryable(Reasons.UPGRADE_FAILED, "Upgrade failed", null);
    assertThatThrownBy(() -> metrics.timeControllerExecution(execution(failure))).isSameAs(failure);
    IllegalStateException bug = new IllegalStateException("a bug");
    assertThatThrownBy(() -> metrics.timeControllerExecution(execution(bug))).isSameAs(bug);
  }

  private static Metrics.ControllerExecution<Object> execution(Exception thrown) {
    return new Metrics.ControllerExecution<>() {
      @Override
      public String name() {
        return "reconcile";
      }

      @Override
      public String controllerName() {
        return "helmrelease";
      }

      @Override
      public String successTypeName(Object result) {
        return "resource";
      }

      @Override
      public ResourceID resourceID() {
        return new ResourceID("web", "apps");
      }

      @Override
      public Map<String, Object> metadata() {
        return Map.of();
      }

      @Override
      public Object execute() throws Exception {
        throw thrown;
      }
    };
  }
}
