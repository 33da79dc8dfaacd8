package io.helmop.operator.config;

import picocli.CommandLine;

/**
 * Flags that keep one namespace's HelmReleases from reaching another's releases: whether releases nobody owns
 * are adopted, and whether a HelmRelease may name anything outside its own namespace (docs/operations.md and
 * docs/tenancy.md).
 */
public class TenantLimits {
  @CommandLine.Option(names = "--adopt-releases", paramLabel = "true|false", arity = "1",
      defaultValue = "${env:HELMOP_ADOPT_RELEASES:-true}",
      description = "Adopt a Helm release that no HelmRelease owns (installed with the helm CLI) when a "
          + "HelmRelease names it; false stalls such a HelmRelease (AdoptionRefused) and leaves the release "
          + "alone. Default: ${DEFAULT-VALUE}. Env: HELMOP_ADOPT_RELEASES.")
  String adoptReleases;

  @CommandLine.Option(names = "--no-cross-namespace-refs", paramLabel = "true|false", arity = "0..1",
      fallbackValue = "true", defaultValue = "${env:HELMOP_NO_CROSS_NAMESPACE_REFS:-false}",
      description = "Refuse (InvalidSpec) a HelmRelease whose spec.targetNamespace or spec.dependsOn[].namespace "
          + "names another namespace than its own. Default: ${DEFAULT-VALUE}. Env: HELMOP_NO_CROSS_NAMESPACE_REFS.")
  String noCrossNamespaceRefs;

  /** What the reconcile needs of these flags. */
  public record Settings(boolean adoptReleases, boolean crossNamespaceRefs) {
    /** helmop's behaviour without the flags: adopt, and follow references into any namespace. */
    public static final Settings OPEN = new Settings(true, true);
  }

  public Settings settings() {
    return new Settings(bool("--adopt-releases", adoptReleases), !bool("--no-cross-namespace-refs",
        noCrossNamespaceRefs));
  }

  private static boolean bool(String flag, String value) {
    String v = value == null ? "" : value.strip();
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new CommandLine.ParameterException(new CommandLine(new TenantLimits()),
        flag + " \"" + value + "\" is neither true nor false");
  }
}
