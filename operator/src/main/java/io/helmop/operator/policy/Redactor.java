package io.helmop.operator.policy;

import io.helmop.operator.values.ValuesSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Keeps the release's sensitive values out of what the preflight reports: a chart's fail message, a schema
 * error or the API server's validation message can quote a rendered value. Sensitive: every string from a
 * Secret of spec.valuesFrom and every literal credential the no-secrets-in-values rule finds.
 */
final class Redactor {
  /** Shorter strings (on, yes, 1) are everywhere in messages and give nothing away. */
  private static final int MIN_LENGTH = 4;
  private final List<String> sensitive;

  private Redactor(List<String> sensitive) {
    this.sensitive = sensitive;
  }

  static Redactor of(List<ValuesSource> sources, Map<String, Object> chartValues) {
    TreeSet<String> strings = new TreeSet<>(Comparator.comparingInt(String::length).reversed()
        .thenComparing(Comparator.naturalOrder()));
    for (ValuesSource source : sources) {
      if (source.secret()) {
        collect(source.values(), strings);
      } else {
        SecretLiterals.find(source.values(), (path, literal) -> strings.add(literal));
      }
    }
    SecretLiterals.find(chartValues, (path, literal) -> strings.add(literal));
    strings.removeIf(s -> s.strip().length() < MIN_LENGTH);
    return new Redactor(List.copyOf(strings));
  }

  private static void collect(Object node, TreeSet<String> strings) {
    if (node instanceof Map<?, ?> map) {
      map.values().forEach(value -> collect(value, strings));
    } else if (node instanceof List<?> list) {
      list.forEach(value -> collect(value, strings));
    } else if (node instanceof String text) {
      strings.add(text);
    }
  }

  String apply(String message) {
    String redacted = message;
    for (String value : sensitive) {
      redacted = redacted.replace(value, io.helmop.operator.status.Redaction.MARK);
    }
    return redacted;
  }
}
