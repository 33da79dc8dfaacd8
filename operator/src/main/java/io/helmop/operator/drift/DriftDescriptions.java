package io.helmop.operator.drift;

import io.helmop.api.v1alpha1.DriftedObject;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** How drift reads in status, conditions and Events; bounded so a large release cannot flood them. */
public final class DriftDescriptions {
  static final int MAX_OBJECTS = 20;
  static final int MAX_PATHS = 10;

  private DriftDescriptions() {}

  /** {@code Deployment payments/payment-service: /spec/replicas, /spec/template/spec/containers/0/image} */
  public static String describe(Collection<ObjectCheck> checks) {
    String listed = checks.stream().limit(MAX_OBJECTS)
        .map(c -> c.ref() + ": " + String.join(", ", bounded(c.paths())))
        .collect(Collectors.joining("; "));
    return checks.size() > MAX_OBJECTS ? listed + "; and " + (checks.size() - MAX_OBJECTS) + " more objects"
        : listed;
  }

  public static List<DriftedObject> forStatus(Collection<ObjectCheck> checks) {
    return checks.stream().limit(MAX_OBJECTS)
        .map(c -> new DriftedObject(c.ref().apiVersion(), c.ref().kind(), c.ref().namespace(), c.ref().name(),
            bounded(c.paths())))
        .toList();
  }

  private static List<String> bounded(List<String> paths) {
    if (paths.size() <= MAX_PATHS) {
      return paths;
    }
    List<String> kept = new java.util.ArrayList<>(paths.subList(0, MAX_PATHS - 1));
    kept.add("... " + (paths.size() - MAX_PATHS + 1) + " more");
    return kept;
  }
}
