package io.helmop.operator.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.config.LogSettings;
import io.helmop.operator.status.Reasons;
import io.javaoperatorsdk.operator.OperatorException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** What the operator's log looks like with logback.xml, --log-format and --log-level. */
class LoggingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PrintStream stdout = System.out;

  @AfterEach
  void restore() {
    System.setOut(stdout);
    Logging.apply(new LogSettings(LogSettings.Format.TEXT, "INFO"));
    MDC.clear();
  }

  @Test
  void jsonLinesCarryTheReleaseOfTheReconcileAndTheFormattedMessage() throws Exception {
    List<JsonNode> lines = capture(new LogSettings(LogSettings.Format.JSON, "INFO"), () -> {
      MDC.put("resource.namespace", "payments");
      MDC.put("resource.name", "ledger");
      LoggerFactory.getLogger("io.helmop.operator.reconcile.ChartRelease").info("Upgrading chart {} to {}",
          "ledger", "1.2.0");
      LoggerFactory.getLogger("io.helmop.operator.reconcile.ChartRelease").debug("not at INFO");
    }).lines().map(LoggingTest::parse).toList();

    assertThat(lines).singleElement().satisfies(line -> {
      assertThat(line.path("level").asText()).isEqualTo("INFO");
      assertThat(line.path("formattedMessage").asText()).isEqualTo("Upgrading chart ledger to 1.2.0");
      assertThat(line.path("mdc").path("resource.namespace").asText()).isEqualTo("payments");
      assertThat(line.path("mdc").path("resource.name").asText()).isEqualTo("ledger");
      assertThat(line.path("loggerName").asText()).isEqualTo("io.helmop.operator.reconcile.ChartRelease");
      assertThat(line.path("timestamp").asLong()).isPositive();
    });
  }

  @Test
  void theLevelFlagAppliesToHelmopsOwnLoggers() {
    String text = capture(new LogSettings(LogSettings.Format.TEXT, "DEBUG"), () -> {
      MDC.put("resource.namespace", "payments");
      MDC.put("resource.name", "ledger");
      LoggerFactory.getLogger("io.helmop.operator.reconcile.HelmReleaseReconciler").debug("The release is IN_SYNC");
    });
    assertThat(text).contains("DEBUG [payments/ledger] HelmReleaseReconciler - The release is IN_SYNC");
  }

  @Test
  void anExpectedFailureHasNoStackTraceAndABugHasOne() {
    Logger josdk = LoggerFactory.getLogger("io.javaoperatorsdk.operator.processing.event.EventProcessor");
    ReconcileFailure down = ReconcileFailure.retryable(Reasons.REPOSITORY_UNAVAILABLE,
        "Chart repository http://127.0.0.1:1 is down", new java.net.ConnectException("Connection refused"));
    String text = capture(new LogSettings(LogSettings.Format.TEXT, "INFO"), () -> {
      LoggerFactory.getLogger("io.helmop.operator.reconcile.HelmReleaseReconciler")
          .warn("{}: {}", down.reason(), down.getMessage());
      josdk.warn("Uncaught error during event processing {} - but another reconciliation will be attempted",
          "scope", down);
      josdk.warn("Uncaught error during event processing {}", "scope", new OperatorException(down));
      josdk.warn("Uncaught error during event processing {} - but another reconciliation will be attempted",
          "scope", new NullPointerException("a bug"));
    });

    assertThat(text).contains("RepositoryUnavailable: Chart repository http://127.0.0.1:1 is down");
    assertThat(text).doesNotContain("ReconcileFailure", "ConnectException");
    assertThat(text).contains("java.lang.NullPointerException: a bug", "\tat io.helmop.operator.logging.LoggingTest");
  }

  @Test
  void secretsAreScrubbedFromEveryLineTextAndJsonMessagesAndStackTraces() {
    var redaction = new io.helmop.operator.status.Redaction();
    redaction.remember("values of logging/test", List.of("s3cr3t-Passw0rd"));
    Runnable logging = () -> {
      LoggerFactory.getLogger("io.helmop.operator.reconcile.HelmReleaseReconciler")
          .warn("RenderFailed: {}", "template: x: error calling fail: s3cr3t-Passw0rd");
      LoggerFactory.getLogger("io.javaoperatorsdk.operator.processing.event.EventProcessor")
          .warn("Uncaught error", new IllegalStateException("wrapped", new RuntimeException("saw s3cr3t-Passw0rd")));
    };
    String text = capture(new LogSettings(LogSettings.Format.TEXT, "INFO"), redaction, logging);
    String json = capture(new LogSettings(LogSettings.Format.JSON, "INFO"), redaction, logging);

    assertThat(text).contains("error calling fail: [redacted]", "saw [redacted]").doesNotContain("s3cr3t");
    assertThat(json).contains("error calling fail: [redacted]").doesNotContain("s3cr3t");
  }

  private String capture(LogSettings settings, Runnable logging) {
    return capture(settings, new io.helmop.operator.status.Redaction(), logging);
  }

  private String capture(LogSettings settings, io.helmop.operator.status.Redaction redaction, Runnable logging) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      Logging.apply(settings, redaction); // the console appender takes System.out as it is now
      logging.run();
    } finally {
      System.setOut(stdout);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }
}
