package io.helmop.operator.config;

/** How the operator logs: {@code text} (one line a message) or {@code json} (one JSON object a line), and the level. */
public record LogSettings(Format format, String level) {
  public enum Format { TEXT, JSON }
}
