package io.helmop.operator.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reading Helm's messages for the preflight: schema violations, lint errors; quoted values left out. */
final class HelmMessages {
  private static final String SCHEMA_FAILURE = "values don't meet the specifications of the schema";
  /** JSON schema messages that quote the offending value ("'hunter2' does not match pattern ..."). */
  private static final Pattern QUOTED_VALUE = Pattern.compile("'(?:[^'\\\\]|\\\\.)*' (does not match|is not valid)");
  private static final Pattern GOT_VALUE =
      Pattern.compile("\\bgot (?!(?:string|number|integer|boolean|object|array|null)\\b)[^,]*, want");

  private HelmMessages() {}

  /** Whether Helm refused the values for the chart's values.schema.json (Helm checks it before rendering). */
  static boolean isSchemaFailure(String message) {
    return message != null && message.contains(SCHEMA_FAILURE);
  }

  /**
   * The schema violations of Helm's message ("at '/replicaCount': got string, want integer"), each with the
   * chart it belongs to, without the values they quote.
   */
  static List<String> schemaViolations(String message) {
    List<String> violations = new ArrayList<>();
    String chart = null;
    for (String line : message.lines().toList()) {
      String text = line.strip();
      if (text.startsWith("- ")) {
        violations.add((chart == null ? "" : chart + ": ") + withoutValues(text.substring(2).strip()));
      } else if (text.endsWith(":") && !text.contains(" ")) {
        chart = text.substring(0, text.length() - 1);
      }
    }
    if (violations.isEmpty()) {
      violations.add(withoutValues(message.strip()));
    }
    return violations;
  }

  static String withoutValues(String text) {
    String redacted = QUOTED_VALUE.matcher(text).replaceAll("the value $1");
    return GOT_VALUE.matcher(redacted).replaceAll("got a value, want");
  }

  /** The [ERROR] lines of helm lint (its [INFO] and [WARNING] lines do not fail a chart). */
  static List<String> lintErrors(List<String> messages) {
    return messages.stream().filter(m -> m.startsWith("[ERROR]"))
        .map(m -> withoutValues(m.substring("[ERROR]".length()).strip())).toList();
  }
}
