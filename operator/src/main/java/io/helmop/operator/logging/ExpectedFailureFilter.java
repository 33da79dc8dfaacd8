package io.helmop.operator.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.helmop.operator.ReconcileFailure;
import org.slf4j.Marker;

/**
 * Keeps stack traces for bugs. An expected failure (a repository that is down, a failed upgrade: a
 * {@link ReconcileFailure}) reaches JOSDK as an exception so that JOSDK retries with backoff, and JOSDK logs every
 * exception with its stack trace. helmop has already said what failed and what to do, in one line naming the
 * release (and in status and an Event), so JOSDK's copy is dropped. Any other exception is a bug, and keeps its
 * stack trace.
 */
public class ExpectedFailureFilter extends TurboFilter {
  private static final String JOSDK = "io.javaoperatorsdk";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
      Throwable t) {
    if (logger == null || !logger.getName().startsWith(JOSDK) || !level.isGreaterOrEqual(Level.INFO)) {
      return FilterReply.NEUTRAL;
    }
    if (expected(t)) {
      return FilterReply.DENY;
    }
    if (params != null) {
      for (Object param : params) {
        if (param instanceof Throwable thrown && expected(thrown)) {
          return FilterReply.DENY;
        }
      }
    }
    return FilterReply.NEUTRAL;
  }

  /** A ReconcileFailure, or one wrapped by JOSDK. */
  static boolean expected(Throwable thrown) {
    for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
      if (cause instanceof ReconcileFailure) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }
}
