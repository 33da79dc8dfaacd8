package io.helmop.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The condition types helmop writes, and a kstatus-friendly way to set them. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String RELEASED = "Released";
  public static final String DRIFTED = "Drifted";
  /** Set while a revision rolled back to on request runs instead of the spec, or when a request was refused. */
  public static final String ROLLED_BACK = "RolledBack";
  /** The production checklist (spec.policy): whether the rendered release breaks none of its rules. */
  public static final String POLICY_COMPLIANT = "PolicyCompliant";
  /** spec.test: whether the chart's tests passed on the deployed revision. */
  public static final String TEST_SUCCESS = "TestSuccess";
  private static final List<String> ORDER = List.of(READY, RECONCILING, STALLED, RELEASED, TEST_SUCCESS,
      ROLLED_BACK, POLICY_COMPLIANT, DRIFTED);

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** Kubernetes limits a condition message to 32 KiB; a short one also reads well in `kubectl get`. */
  static final int MAX_MESSAGE = 1024;

  private Conditions() {}

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /**
   * Sets a condition, keeping its lastTransitionTime when its status does not change, and keeping the list in
   * a fixed order (Ready, Reconciling, Stalled, Released, Drifted) so that equal states serialise equally.
   */
  static List<Condition> set(List<Condition> conditions, String type, String status, String reason, String message,
      Long generation, Instant now) {
    Optional<Condition> previous = find(conditions, type);
    String transition = previous.filter(c -> status.equals(c.getStatus()))
        .map(Condition::getLastTransitionTime)
        .orElse(now.toString());
    Condition condition = new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(trim(message))
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build();
    List<Condition> result = new ArrayList<>();
    for (String known : ORDER) {
      if (known.equals(type)) {
        result.add(condition);
      } else {
        find(conditions, known).ifPresent(result::add);
      }
    }
    return result;
  }

  static List<Condition> remove(List<Condition> conditions, String type) {
    return conditions == null ? new ArrayList<>()
        : new ArrayList<>(conditions.stream().filter(c -> !type.equals(c.getType())).toList());
  }

  static String trim(String message) {
    return trim(message, MAX_MESSAGE);
  }

  static String trim(String message, int max) {
    if (message == null) {
      return "";
    }
    String oneLine = message.strip();
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
  }
}
