package io.helmop.operator.release;

/** Helm refused or failed an operation; the message is Helm's own. */
public class HelmException extends RuntimeException {
  public HelmException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Helm's first line, bounded: enough to act on, and less of what Helm quotes from the rendered objects. */
  public static String summary(HelmException e) {
    String message = e.getMessage() == null ? "" : e.getMessage().strip();
    int newline = message.indexOf('\n');
    String first = newline < 0 ? message : message.substring(0, newline);
    return first.length() <= 400 ? first : first.substring(0, 397) + "...";
  }
}
