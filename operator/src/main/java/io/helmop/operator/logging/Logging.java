package io.helmop.operator.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.helmop.operator.config.LogSettings;
import io.helmop.operator.status.Redaction;
import java.net.URL;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies --log-format and --log-level (or HELMOP_LOG_FORMAT and HELMOP_LOG_LEVEL, which picocli reads for them):
 * reloads logback.xml with both as context properties, and adds {@link ExpectedFailureFilter} (in code: logback.xml
 * is also read while the operator compiles, by JOSDK's annotation processor, before the filter class exists).
 * Until then logback logs text at INFO.
 */
public final class Logging {
  static final String FORMAT = "helmop.log.format";
  static final String LEVEL = "helmop.log.level";

  private Logging() {}

  /** Every appender of the root logger (where all lines end) gets its events through a {@link RedactingAppender}. */
  static void redactSecrets(ch.qos.logback.classic.Logger root, Redaction redaction) {
    java.util.List<ch.qos.logback.core.Appender<ch.qos.logback.classic.spi.ILoggingEvent>> appenders =
        new java.util.ArrayList<>();
    root.iteratorForAppenders().forEachRemaining(appenders::add);
    for (var appender : appenders) {
      if (!(appender instanceof RedactingAppender)) {
        root.detachAppender(appender);
        RedactingAppender redacting = new RedactingAppender(appender, redaction);
        redacting.setContext(root.getLoggerContext());
        redacting.start();
        root.addAppender(redacting);
      }
    }
  }

  public static void apply(LogSettings settings) {
    apply(settings, new Redaction());
  }

  /** @param redaction takes secrets out of every log line */
  public static void apply(LogSettings settings, Redaction redaction) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J backend: it has its own configuration
    }
    URL config = Logging.class.getClassLoader().getResource("logback.xml");
    if (config == null) {
      return;
    }
    context.reset();
    context.putProperty(FORMAT, settings.format().name().toLowerCase(Locale.ROOT));
    context.putProperty(LEVEL, settings.level());
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
      context.addTurboFilter(new ExpectedFailureFilter());
      redactSecrets(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME), redaction);
    } catch (JoranException e) {
      throw new IllegalStateException("Could not configure logging from " + config + ": " + e.getMessage(), e);
    }
  }
}
