package io.helmop.operator.tenancy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises the API server's RBAC refusal (its wording is stable: `User "U" cannot VERB resource "R" in API group
 * "G" in the namespace "N"` or `at the cluster scope`), wherever it comes from: Helm's error, a dry run, a
 * fabric8 call, and says what to grant, to whom.
 */
public final class Forbidden {
  private static final Pattern REFUSAL = Pattern.compile("User \"([^\"]+)\" cannot ([\\w-]+) resource \"([^\"]+)\""
      + "(?: in API group \"([^\"]*)\")?(?: in the namespace \"([^\"]+)\"| at the cluster scope)?");

  private Forbidden() {}

  /** One sentence naming who was refused what, and the RBAC that would allow it; empty when not a refusal. */
  public static Optional<String> explain(String message) {
    if (message == null) {
      return Optional.empty();
    }
    Matcher m = REFUSAL.matcher(message);
    if (!m.find()) {
      return Optional.empty();
    }
    String user = m.group(1);
    String verb = m.group(2);
    String resource = m.group(3) + (m.group(4) == null || m.group(4).isEmpty() ? "" : "." + m.group(4));
    String namespace = m.group(5);
    String who = user;
    String prefix = "system:serviceaccount:";
    if (user.startsWith(prefix) && user.substring(prefix.length()).contains(":")) {
      String[] parts = user.substring(prefix.length()).split(":", 2);
      who = "ServiceAccount " + parts[0] + "/" + parts[1];
    }
    String where = namespace == null ? "at the cluster scope" : "in namespace " + namespace;
    String grant = namespace == null
        ? "a ClusterRole allowing it bound to " + who + " with a ClusterRoleBinding (only if that tenant may have "
            + "it: cluster-scoped rights reach beyond its namespace)"
        : "a Role in namespace " + namespace + " allowing it, bound to " + who + " with a RoleBinding there";
    return Optional.of(who + " may not " + verb + " " + resource + " " + where + " (the API server refused it). "
        + "This release acts with that account's rights: grant " + grant + ", or change the release so it does "
        + "not need it.");
  }

  /** A refusal in {@code message} as a retried failure of its own reason; empty when it is none. */
  public static Optional<ReconcileFailure> failure(String what, String message) {
    return explain(message).map(explanation -> ReconcileFailure.retryable(Reasons.FORBIDDEN, what + ": "
        + explanation + " helmop retries with backoff.", null));
  }

  /** A 403 from a fabric8 call as a retried failure naming the account, verb and resource. */
  public static Optional<ReconcileFailure> failure(KubernetesClientException e) {
    if (e.getCode() != 403) {
      return Optional.empty();
    }
    String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : e.getMessage();
    return failure("helmop could not read or write the release's objects", message)
        .or(() -> Optional.of(ReconcileFailure.retryable(Reasons.FORBIDDEN, "The API server refused a request made "
            + "for this release: " + message + ". Grant the release's ServiceAccount the rights it names; helmop "
            + "retries with backoff.", null)));
  }
}
