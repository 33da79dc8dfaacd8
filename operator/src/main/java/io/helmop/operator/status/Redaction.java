package io.helmop.operator.status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The strings that came from Secrets (values of spec.valuesFrom Secrets, repository credentials), and their
 * removal from every message that leaves the operator: conditions ({@link StatusFactory}), Events
 * ({@link EventRecorder}) and log lines (the log appender, see io.helmop.operator.logging.Logging). Helm's own
 * errors quote values (`{{ fail .Values.db.password }}`, an API server's validation error), so messages are
 * scrubbed where they leave, not where they are written.
 *
 * <p>One instance for the whole process (Main makes it and hands it to each channel and to the places that read
 * Secrets), one set of strings: a Secret's value is scrubbed from every release's messages, which can only
 * hide more. Strings shorter than {@value #MIN_LENGTH} characters are not scrubbed: "on", "1" or "yes" are in
 * countless messages, and replacing them would garble every message while hiding nothing worth a guess.
 */
public final class Redaction {
  public static final String MARK = "[redacted]";
  public static final int MIN_LENGTH = 4;
  /** Per owner; beyond this many remembered strings, an owner's older ones are dropped. */
  private static final int MAX_PER_OWNER = 1000;

  private final Map<String, Set<String>> byOwner = new ConcurrentHashMap<>();
  /** Longest first, so a secret containing another is replaced whole. */
  private volatile List<String> sensitive = List.of();

  /**
   * Remembers secret strings for an owner (e.g. "values of ns/name"); earlier ones of the same owner stay, since a
   * message about an earlier revision (a rollback) may quote them.
   */
  public void remember(String owner, Collection<String> secrets) {
    Set<String> added = new LinkedHashSet<>();
    for (String secret : secrets) {
      if (secret == null) {
        continue;
      }
      addForms(secret, added);
      if (secret.contains("\n")) {
        secret.lines().forEach(line -> addForms(line.strip(), added));
      }
    }
    added.removeIf(s -> s.strip().length() < MIN_LENGTH);
    if (added.isEmpty() && !byOwner.containsKey(owner)) {
      return;
    }
    boolean[] changed = {false};
    byOwner.compute(owner, (k, known) -> {
      Set<String> next = known == null || known.size() + added.size() > MAX_PER_OWNER
          ? ConcurrentHashMap.newKeySet() : known;
      int before = next.size();
      next.addAll(added);
      changed[0] = next != known || next.size() != before;
      return next;
    });
    if (changed[0]) {
      rebuild();
    }
  }

  /** The message with every remembered secret string replaced by {@value #MARK}. */
  public String scrub(String message) {
    if (message == null || message.isEmpty()) {
      return message;
    }
    String scrubbed = message;
    for (String secret : sensitive) {
      if (scrubbed.contains(secret)) {
        scrubbed = scrubbed.replace(secret, MARK);
      }
    }
    return scrubbed;
  }

  /** Every value in a parsed values tree (strings and numbers; booleans and nulls tell nothing). */
  public static List<String> leaves(Object node) {
    List<String> leaves = new ArrayList<>();
    collect(node, leaves);
    return leaves;
  }

  private static void collect(Object node, List<String> leaves) {
    if (node instanceof Map<?, ?> map) {
      map.values().forEach(value -> collect(value, leaves));
    } else if (node instanceof Collection<?> list) {
      list.forEach(value -> collect(value, leaves));
    } else if (node instanceof String || node instanceof Number) {
      leaves.add(String.valueOf(node));
    }
  }

  /** The string, and how JSON and Go's %q write it (an API server's error quotes values that way). */
  private static void addForms(String secret, Set<String> into) {
    into.add(secret);
    String escaped = secret.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t");
    into.add(escaped);
  }

  private synchronized void rebuild() {
    Set<String> all = new LinkedHashSet<>();
    byOwner.values().forEach(all::addAll);
    List<String> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
    sensitive = List.copyOf(sorted);
  }

}
