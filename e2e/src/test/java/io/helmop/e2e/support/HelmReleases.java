package io.helmop.e2e.support;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.api.v1alpha1.HelmRelease;
import java.util.Optional;

/** Reading HelmReleases back the way a user would check them. */
public final class HelmReleases {
  private HelmReleases() {}

  public static HelmRelease get(LocalCluster cluster, String namespace, String name) {
    return cluster.client().resources(HelmRelease.class).inNamespace(namespace).withName(name).get();
  }

  public static Optional<Condition> condition(HelmRelease release, String type) {
    if (release == null || release.getStatus() == null || release.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return release.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean hasCondition(HelmRelease release, String type, String status) {
    return condition(release, type).map(c -> status.equals(c.getStatus())).orElse(false);
  }

  /** Applies YAML with kubectl, as a user (or Argo CD) would. */
  /** The HelmRelease YAML with spec.chart.secretRef naming {@code secret}. */
  public static String withSecretRef(String release, String secret) {
    return release.replace("    version:", "    secretRef: {name: " + secret + "}\n    version:");
  }

  public static void apply(LocalCluster cluster, String yaml) {
    cluster.kubectlWithInput(yaml, "apply", "-f", "-").orFail();
  }

  public static String helmRelease(String namespace, String name, String repository, String version,
      String extraSpec) {
    return helmRelease(namespace, name, repository, "hello", version, extraSpec);
  }

  public static String helmRelease(String namespace, String name, String repository, String chart,
      String version, String extraSpec) {
    return """
        apiVersion: helmop.io/v1alpha1
        kind: HelmRelease
        metadata:
          name: %s
          namespace: %s
        spec:
          chart:
            repository: %s
            name: %s
            version: "%s"
        %s
        """.formatted(name, namespace, repository, chart, version, extraSpec.indent(2).stripTrailing());
  }
}
