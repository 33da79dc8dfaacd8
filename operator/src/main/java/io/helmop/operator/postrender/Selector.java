package io.helmop.operator.postrender;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A Kubernetes label selector in its string form ({@code app=web,tier!=cache,env in (a,b),!legacy}), matched
 * against labels or annotations. Written here because fabric8 parses selectors only for requests to the API
 * server, and post-renderers match objects that do not exist yet.
 */
final class Selector {
  private final List<Predicate<Map<String, String>>> requirements;

  private Selector(List<Predicate<Map<String, String>>> requirements) {
    this.requirements = requirements;
  }

  /** Throws IllegalArgumentException naming the part that does not parse. */
  static Selector parse(String text) {
    List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
    for (String part : split(text)) {
      String term = part.strip();
      if (term.isEmpty()) {
        throw new IllegalArgumentException("an empty requirement");
      }
      requirements.add(requirement(term));
    }
    return new Selector(requirements);
  }

  boolean matches(Map<String, String> values) {
    return requirements.stream().allMatch(requirement -> requirement.test(values));
  }

  private static Predicate<Map<String, String>> requirement(String term) {
    var set = java.util.regex.Pattern.compile("^(\\S+)\\s+(in|notin)\\s*\\(([^)]*)\\)$").matcher(term);
    if (set.matches()) {
      String key = key(set.group(1), term);
      Set<String> options = Set.copyOf(List.of(set.group(3).split("\\s*,\\s*", -1)).stream().map(String::strip)
          .toList());
      return set.group(2).equals("in") ? values -> options.contains(values.get(key))
          : values -> !options.contains(values.get(key));
    }
    for (String op : List.of("!=", "==", "=")) {
      int at = term.indexOf(op);
      if (at > 0) {
        String key = key(term.substring(0, at).strip(), term);
        String value = term.substring(at + op.length()).strip();
        if (!value.matches("[A-Za-z0-9._-]*")) {
          throw new IllegalArgumentException("'" + term + "' has a value that is not a label value");
        }
        return op.equals("!=") ? values -> !value.equals(values.get(key)) : values -> value.equals(values.get(key));
      }
    }
    if (term.startsWith("!")) {
      String key = key(term.substring(1).strip(), term);
      return values -> !values.containsKey(key);
    }
    String key = key(term, term);
    return values -> values.containsKey(key);
  }

  private static String key(String key, String term) {
    if (!key.matches("([A-Za-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")) {
      throw new IllegalArgumentException("'" + term + "' does not start with a label key");
    }
    return key;
  }

  /** Splits at the commas outside parentheses. */
  private static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }
}
