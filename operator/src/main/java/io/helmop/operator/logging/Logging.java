package io.helmop.operator.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.helmop.operator.config.LogSettings;
import java.net.URL;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies --log-format and --log-level: logback.xml reads HELMOP_LOG_FORMAT and HELMOP_LOG_LEVEL, from the
 * environment when logback first starts, and from the flags once they are parsed (this reloads it with them).
 */
public final class Logging {
  static final String FORMAT = "HELMOP_LOG_FORMAT";
  static final String LEVEL = "HELMOP_LOG_LEVEL";

  private Logging() {}

  public static void apply(LogSettings settings) {
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
    } catch (JoranException e) {
      throw new IllegalStateException("Could not configure logging from " + config + ": " + e.getMessage(), e);
    }
  }
}
