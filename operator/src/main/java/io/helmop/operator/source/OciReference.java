package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.net.URI;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A chart in an OCI registry: spec.chart.repository {@code oci://HOST[:PORT]/PATH} plus spec.chart.name, as
 * `helm install oci://HOST/PATH/NAME` reads them.
 */
record OciReference(String repositoryUrl, String chart, String host, String repository) {
  /** The OCI distribution spec's grammar of repository names. */
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]");

  static OciReference parse(String repositoryUrl, String chart) throws ReconcileFailure {
    String url = repositoryUrl.endsWith("/") ? repositoryUrl.substring(0, repositoryUrl.length() - 1)
        : repositoryUrl;
    String rest = url.substring("oci://".length());
    int slash = rest.indexOf('/');
    String host = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? chart : rest.substring(slash + 1) + "/" + chart;
    if (host.isEmpty() || !NAME.matcher(path).matches()) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, "spec.chart.repository \"" + repositoryUrl + "\" with "
          + "spec.chart.name \"" + chart + "\" is not an OCI chart reference: write oci://HOST/PATH (lowercase, "
          + "no tag) and put the chart's name in spec.chart.name.");
    }
    return new OciReference(url, chart, host, path);
  }

  /**
   * Plain HTTP only for a registry on this machine (a local or test registry, like Helm's --plain-http), and
   * only when the Secret brings no TLS material; HTTPS everywhere else.
   */
  URI base(RepositoryCredentials credentials) {
    boolean plain = isLoopback() && !credentials.hasTlsMaterial();
    return URI.create((plain ? "http://" : "https://") + host);
  }

  boolean isLoopback() {
    return LOOPBACK.contains(URI.create("//" + host).getHost());
  }

  /** {@code oci://HOST/PATH/NAME}, as users see the chart. */
  @Override
  public String toString() {
    return "oci://" + host + "/" + repository;
  }
}
