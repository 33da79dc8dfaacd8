package io.helmop.operator.release;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * One revision of a Helm release as Helm stored it (Secret {@code sh.helm.release.v1.<name>.v<revision>}).
 *
 * @param config the user-supplied values of this revision
 * @param manifest the rendered manifest Helm applied (hooks excluded)
 * @param hooks Helm's hook records of this revision (JSON array: name, kind, path, manifest, events, last_run)
 * @param owner the HelmRelease helmop marked this revision for; null when unmarked
 */
public record ReleaseRecord(
    String name,
    String namespace,
    int revision,
    String status,
    String chartName,
    String chartVersion,
    String appVersion,
    String lastDeployed,
    String description,
    JsonNode config,
    String manifest,
    JsonNode hooks,
    ReleaseOwner owner) {

  public ReleaseRecord(String name, String namespace, int revision, String status, String chartName,
      String chartVersion, String appVersion, String lastDeployed, String description, JsonNode config,
      String manifest) {
    this(name, namespace, revision, status, chartName, chartVersion, appVersion, lastDeployed, description, config,
        manifest, com.fasterxml.jackson.databind.node.MissingNode.getInstance(), null);
  }

  public ReleaseRecord(String name, String namespace, int revision, String status, String chartName,
      String chartVersion, String appVersion, String lastDeployed, String description, JsonNode config,
      String manifest, JsonNode hooks) {
    this(name, namespace, revision, status, chartName, chartVersion, appVersion, lastDeployed, description, config,
        manifest, hooks, null);
  }

  /** This revision with the owner marks read from its Secret's labels. */
  public ReleaseRecord withOwner(ReleaseOwner marked) {
    return new ReleaseRecord(name, namespace, revision, status, chartName, chartVersion, appVersion, lastDeployed,
        description, config, manifest, hooks, marked);
  }

  /** The HelmRelease helmop marked this revision for. */
  public Optional<ReleaseOwner> markedOwner() {
    return Optional.ofNullable(owner);
  }

  public static final String DEPLOYED = "deployed";

  public boolean isDeployed() {
    return DEPLOYED.equals(status);
  }

  public boolean isFailed() {
    return "failed".equals(status);
  }

  /** pending-install, pending-upgrade, pending-rollback: an operation holds (or held) Helm's lock. */
  public boolean isPending() {
    return status != null && status.startsWith("pending-");
  }

  /**
   * helmop marked this revision failed: an operation it stopped for a newer generation, or one it found
   * abandoned. The objects may still be as that operation left them.
   */
  public boolean isMarkedFailedByHelmop() {
    return "failed".equals(status) && description != null
        && (description.startsWith(ReleaseRecords.STOPPED) || description.startsWith(ReleaseRecords.ABANDONED));
  }

  /** Whether helmop made this revision from the given desired digest (see {@link ReleaseRecords#DIGEST}). */
  public boolean appliedDigest(String digest) {
    return description != null && digest != null && description.contains(ReleaseRecords.DIGEST + digest + ")");
  }

  /** helmop put the objects back as the last deployed revision had them after this one failed. */
  public boolean isRestored() {
    return description != null && description.contains(ReleaseRecords.RESTORED);
  }

  /** Without config and manifest: values and rendered Secrets must never reach a log line. */
  @Override
  public String toString() {
    return "ReleaseRecord[" + namespace + "/" + name + " v" + revision + " " + status + " " + chart() + "]";
  }

  /** {@code name-version}, as `helm list` shows the chart. */
  public String chart() {
    return chartName + "-" + chartVersion;
  }
}
