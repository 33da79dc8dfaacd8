package io.helmop.operator.release;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what Helm reports about a failed install or upgrade into one line a person can act on. Helm's own error
 * names a failed hook ("job ledger-migration-3 failed: DeadlineExceeded") but, when its wait times out, only
 * says "context deadline exceeded". helmop runs Helm with debug logging, which Helm appends to the error after
 * a "---" line; the last "... is not ready" (or the hook it was watching) names what Helm was waiting for.
 * Only Helm's own sentences and object names are kept: never rendered objects or values.
 */
public final class HelmFailures {
  static final int MAX = 400;
  private static final Pattern NOT_READY =
      Pattern.compile("^(\\w+) is not ready: ([\\w.-]+/[\\w.-]+)\\. ?(.*)$");
  private static final Pattern WATCHING_HOOK = Pattern.compile("^Watching for changes to (\\w+) ([\\w.-]+) with timeout.*$");
  private static final List<String> TIMEOUTS = List.of("context deadline exceeded", "timed out waiting");

  private HelmFailures() {}

  public static String summary(HelmException e) {
    return summary(e.getMessage());
  }

  static String summary(String message) {
    if (message == null || message.isBlank()) {
      return "Helm gave no reason";
    }
    int separator = message.indexOf("\n---\n");
    String error = separator < 0 ? message : message.substring(0, separator);
    String debug = separator < 0 ? "" : message.substring(separator + 5);
    String summary = error.replace("1 error occurred:", "").replaceAll("\\s*\\n\\s*\\*?\\s*", " ")
        .replaceAll("\\s+", " ").strip();
    if (TIMEOUTS.stream().anyMatch(summary::contains)) {
      String waitingFor = lastWaitedFor(debug);
      if (waitingFor != null) {
        summary = summary + " (Helm was waiting for " + waitingFor + ")";
      }
    }
    return summary.length() <= MAX ? summary : summary.substring(0, MAX - 3) + "...";
  }

  /** The object Helm was waiting for last: a workload that was not ready, or a hook that did not finish. */
  private static String lastWaitedFor(String debug) {
    String found = null;
    for (String line : debug.split("\n")) {
      String l = line.strip();
      if (l.contains("deadline exceeded") || l.contains("atomic is set") || l.contains("timed out")) {
        break; // what follows is the rollback, with waits of its own
      }
      Matcher notReady = NOT_READY.matcher(l);
      Matcher hook = WATCHING_HOOK.matcher(l);
      if (notReady.matches()) {
        String detail = notReady.group(3).replaceAll("\\.$", "");
        found = notReady.group(1) + " " + notReady.group(2) + " to become ready"
            + (detail.isBlank() ? "" : ": " + detail);
      } else if (hook.matches()) {
        found = "hook " + hook.group(1) + " " + hook.group(2) + " to complete";
      } else if (l.startsWith("beginning wait for") || l.startsWith("creating ")) {
        found = null; // a new phase: what was awaited before has finished
      }
    }
    return found;
  }
}
