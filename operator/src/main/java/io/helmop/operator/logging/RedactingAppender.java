package io.helmop.operator.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.LoggerContextVO;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import io.helmop.operator.status.Redaction;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;

/**
 * Hands every log event to the configured appender with the secrets taken out ({@link Redaction}): the message,
 * its arguments and the messages of a stack trace. Every log line passes here, whoever wrote it (helmop, JOSDK,
 * fabric8), so no call site has to remember.
 */
final class RedactingAppender extends AppenderBase<ILoggingEvent> {
  private final Appender<ILoggingEvent> target;
  private final Redaction redaction;

  RedactingAppender(Appender<ILoggingEvent> target, Redaction redaction) {
    this.target = target;
    this.redaction = redaction;
    setName(target.getName());
  }

  @Override
  protected void append(ILoggingEvent event) {
    target.doAppend(new Scrubbed(event, redaction));
  }

  @Override
  public void stop() {
    super.stop();
    target.stop();
  }

  /** The event as it was, with its texts scrubbed. */
  private record Scrubbed(ILoggingEvent event, Redaction redaction) implements ILoggingEvent {
    @Override
    public String getThreadName() {
      return event.getThreadName();
    }

    @Override
    public Level getLevel() {
      return event.getLevel();
    }

    @Override
    public String getMessage() {
      return redaction.scrub(event.getMessage());
    }

    @Override
    public Object[] getArgumentArray() {
      Object[] arguments = event.getArgumentArray();
      return arguments == null ? null
          : Arrays.stream(arguments).map(a -> a == null ? null : redaction.scrub(String.valueOf(a))).toArray();
    }

    @Override
    public String getFormattedMessage() {
      return redaction.scrub(event.getFormattedMessage());
    }

    @Override
    public String getLoggerName() {
      return event.getLoggerName();
    }

    @Override
    public LoggerContextVO getLoggerContextVO() {
      return event.getLoggerContextVO();
    }

    @Override
    public IThrowableProxy getThrowableProxy() {
      return event.getThrowableProxy() == null ? null : new Thrown(event.getThrowableProxy(), redaction);
    }

    @Override
    public StackTraceElement[] getCallerData() {
      return event.getCallerData();
    }

    @Override
    public boolean hasCallerData() {
      return event.hasCallerData();
    }

    @Override
    public List<Marker> getMarkerList() {
      return event.getMarkerList();
    }

    @Override
    public Map<String, String> getMDCPropertyMap() {
      return event.getMDCPropertyMap();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Map<String, String> getMdc() {
      return event.getMdc();
    }

    @Override
    public long getTimeStamp() {
      return event.getTimeStamp();
    }

    @Override
    public int getNanoseconds() {
      return event.getNanoseconds();
    }

    @Override
    public long getSequenceNumber() {
      return event.getSequenceNumber();
    }

    @Override
    public List<KeyValuePair> getKeyValuePairs() {
      List<KeyValuePair> pairs = event.getKeyValuePairs();
      return pairs == null ? null : pairs.stream()
          .map(p -> new KeyValuePair(p.key, p.value == null ? null : redaction.scrub(String.valueOf(p.value))))
          .toList();
    }

    @Override
    public void prepareForDeferredProcessing() {
      event.prepareForDeferredProcessing();
    }
  }

  private record Thrown(IThrowableProxy thrown, Redaction redaction) implements IThrowableProxy {
    @Override
    public String getMessage() {
      return redaction.scrub(thrown.getMessage());
    }

    @Override
    public String getClassName() {
      return thrown.getClassName();
    }

    @Override
    public StackTraceElementProxy[] getStackTraceElementProxyArray() {
      return thrown.getStackTraceElementProxyArray();
    }

    @Override
    public int getCommonFrames() {
      return thrown.getCommonFrames();
    }

    @Override
    public IThrowableProxy getCause() {
      // a cyclic chain has a proxy of its own for the cycle; wrapping each link keeps it finite
      return thrown.getCause() == null ? null : new Thrown(thrown.getCause(), redaction);
    }

    @Override
    public IThrowableProxy[] getSuppressed() {
      IThrowableProxy[] suppressed = thrown.getSuppressed();
      return suppressed == null ? null : Arrays.stream(suppressed).map(s -> new Thrown(s, redaction))
          .toArray(IThrowableProxy[]::new);
    }

    @Override
    public boolean isCyclic() {
      return thrown.isCyclic();
    }
  }
}
