package io.helmop.operator.drift;

import io.helmop.api.v1alpha1.DriftIgnoreRule;
import io.helmop.api.v1alpha1.DriftTarget;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * spec.driftDetection.ignore and .fieldManagers: validated once per reconcile, then asked which paths of an
 * object to skip and whose edits count.
 */
public final class IgnoreRules {
  /** RFC 6901: "/"-separated tokens in which "~" only appears as "~0" or "~1". */
  private static final Pattern JSON_POINTER = Pattern.compile("^(/([^~/]|~[01])*)+$");
  /** People's tools: kubectl's commands each write as kubectl-<command> (kubectl-edit, kubectl-patch...). */
  static final List<String> PEOPLE = List.of("kubectl*", "k9s");
  private static final List<String> EVERYONE = List.of("*");

  private final List<DriftIgnoreRule> rules;
  private final List<String> fieldManagers;

  private IgnoreRules(List<DriftIgnoreRule> rules, List<String> fieldManagers) {
    this.rules = rules;
    this.fieldManagers = fieldManagers;
  }

  /** Nothing ignored and every writer's change counts: for putting objects back as a revision has them. */
  public static IgnoreRules none() {
    return new IgnoreRules(List.of(), EVERYONE);
  }

  /** The same paths ignored, but every writer's change counts (undoing what a stopped Helm operation did). */
  public IgnoreRules everyWriter() {
    return new IgnoreRules(rules, EVERYONE);
  }

  /**
   * Whether a change of a field the chart sets, last written by these field managers, is drift. A field nobody
   * owns (removed live) always is.
   */
  boolean counts(java.util.Set<String> owners) {
    return owners.isEmpty() || owners.stream().anyMatch(owner -> fieldManagers.stream().anyMatch(pattern ->
        pattern.endsWith("*") ? owner.startsWith(pattern.substring(0, pattern.length() - 1)) : owner.equals(pattern)));
  }

  /**
   * Checks every rule: each path a JSON pointer, each kind one the API server serves. A bad rule stalls the
   * release with a message naming it (it would otherwise silently ignore nothing, or everything).
   */
  public static IgnoreRules validate(List<DriftIgnoreRule> rules, List<String> fieldManagers, KindCatalog kinds)
      throws ReconcileFailure {
    List<String> managers = fieldManagers == null || fieldManagers.isEmpty() ? PEOPLE : fieldManagers;
    for (int i = 0; i < managers.size(); i++) {
      String manager = managers.get(i);
      if (manager == null || manager.isBlank()) {
        throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, "spec.driftDetection.fieldManagers[" + i + "] is empty: "
            + "name a field manager (metadata.managedFields[].manager), e.g. kubectl-edit, or kubectl* for all of "
            + "kubectl's commands.");
      }
    }
    if (rules == null) {
      return new IgnoreRules(List.of(), List.copyOf(managers));
    }
    for (int i = 0; i < rules.size(); i++) {
      DriftIgnoreRule rule = rules.get(i);
      String field = "spec.driftDetection.ignore[" + i + "]";
      if (rule == null || rule.getPaths() == null || rule.getPaths().isEmpty()) {
        throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + ".paths is empty: list the JSON pointers to "
            + "ignore, e.g. [/spec/replicas].");
      }
      for (int j = 0; j < rule.getPaths().size(); j++) {
        String path = rule.getPaths().get(j);
        if (path == null || !JSON_POINTER.matcher(path).matches()) {
          throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + ".paths[" + j + "] \"" + path + "\" is not a "
              + "JSON pointer: write it like /spec/replicas or /metadata/annotations/example.com~1owner "
              + "(~1 for a slash and ~0 for a tilde inside a key).");
        }
      }
      DriftTarget target = rule.getTarget();
      if (target != null && target.getKind() != null && !target.getKind().isBlank()
          && !kinds.isServed(target.getGroup(), target.getKind())) {
        String group = target.getGroup() == null ? "any group"
            : target.getGroup().isEmpty() ? "the core group" : "group " + target.getGroup();
        throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + ".target.kind \"" + target.getKind() + "\" is not "
            + "a kind the API server serves in " + group + ": check the spelling (e.g. Deployment with group "
            + "apps) or remove the rule.");
      }
    }
    return new IgnoreRules(List.copyOf(rules), List.copyOf(managers));
  }

  /** The pointers to ignore on this object. */
  List<String> pathsFor(ObjectRef object) {
    List<String> paths = new ArrayList<>();
    for (DriftIgnoreRule rule : rules) {
      if (matches(rule.getTarget(), object)) {
        paths.addAll(rule.getPaths());
      }
    }
    return paths;
  }

  private static boolean matches(DriftTarget target, ObjectRef object) {
    if (target == null) {
      return true;
    }
    boolean group = target.getGroup() == null || target.getGroup().equals(object.group()); // "" = core group
    return group && matches(target.getKind(), object.kind())
        && matches(target.getName(), object.name()) && matches(target.getNamespace(), object.namespace());
  }

  private static boolean matches(String wanted, String actual) {
    return wanted == null || wanted.isEmpty() || wanted.equals(actual);
  }
}
