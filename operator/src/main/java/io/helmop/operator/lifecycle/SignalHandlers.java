package io.helmop.operator.lifecycle;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Keeps SIGTERM and SIGINT with the JVM.
 *
 * <p>helm-java's install (and template, which runs install in dry-run mode) calls Go's {@code signal.Notify}
 * for SIGINT, SIGTERM and SIGQUIT. The Go runtime then installs its own handler in place of the JVM's, and the
 * JVM never sees those signals again: shutdown hooks do not run and a pod is only killed after its grace period.
 * (SIGQUIT, the JVM's thread dump, cannot be re-registered from Java and stays with Go.)
 * Go installs its handler once per process (the first Notify of a signal), so putting the JVM's handlers back
 * after a Helm call is enough; doing it after every call also covers a future helm-java that registers again.
 */
public final class SignalHandlers {
  private static final Logger LOG = LoggerFactory.getLogger(SignalHandlers.class);
  private static final String[] SIGNALS = {"TERM", "INT"};

  private final Map<String, SignalHandler> jvmHandlers = new HashMap<>();

  private SignalHandlers() {}

  /** Records the JVM's handlers; call before the first Helm call. */
  public static SignalHandlers captureJvmHandlers() {
    SignalHandlers handlers = new SignalHandlers();
    for (String name : SIGNALS) {
      Signal signal = new Signal(name);
      // Signal.handle returns the handler it replaces; put it straight back.
      SignalHandler jvmHandler = Signal.handle(signal, SignalHandler.SIG_DFL);
      Signal.handle(signal, jvmHandler);
      handlers.jvmHandlers.put(name, jvmHandler);
    }
    return handlers;
  }

  /** Re-installs the JVM's handlers at the OS level, taking the signals back from the Go runtime. */
  public void restore() {
    jvmHandlers.forEach((name, handler) -> {
      try {
        Signal.handle(new Signal(name), handler);
      } catch (IllegalArgumentException e) {
        LOG.warn("Could not restore the JVM's SIG{} handler: {}", name, e.getMessage());
      }
    });
  }
}
