package io.helmop.operator.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * How helm-java reaches the cluster: the kubeconfig file the operator itself uses (KUBECONFIG, else
 * ~/.kube/config), or, inside a pod, a kubeconfig built from the mounted service account.
 */
public final class HelmKubeconfig {
  static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  private final Path file;
  private final String contents;

  private HelmKubeconfig(Path file, String contents) {
    this.file = file;
    this.contents = contents;
  }

  public static HelmKubeconfig fromFile(Path file) {
    return new HelmKubeconfig(file, null);
  }

  /**
   * Refers to the token file rather than copying the token, so Kubernetes' token rotation keeps working.
   */
  public static HelmKubeconfig inCluster(String host, String port) {
    String server = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: in-cluster
          cluster:
            server: %s
            certificate-authority: %s
        users:
        - name: helmop
          user:
            tokenFile: %s
        contexts:
        - name: in-cluster
          context: {cluster: in-cluster, user: helmop}
        current-context: in-cluster
        """.formatted(server, SERVICE_ACCOUNT.resolve("ca.crt"), SERVICE_ACCOUNT.resolve("token"));
    return new HelmKubeconfig(null, yaml);
  }

  /** Picks the same source as the fabric8 client: KUBECONFIG, ~/.kube/config, then the in-cluster account. */
  public static HelmKubeconfig detect() {
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      return fromFile(Path.of(env.split(java.io.File.pathSeparator)[0]));
    }
    Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
    if (Files.isRegularFile(home)) {
      return fromFile(home);
    }
    String host = System.getenv("KUBERNETES_SERVICE_HOST");
    if (host != null && Files.isRegularFile(SERVICE_ACCOUNT.resolve("token"))) {
      return inCluster(host, System.getenv().getOrDefault("KUBERNETES_SERVICE_PORT", "443"));
    }
    throw new IllegalStateException("No Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, "
        + "or run the operator in a pod with a service account.");
  }

  /** The kubeconfig file, or null when the kubeconfig is {@link #contents()}. */
  public Path file() {
    return file;
  }

  /** The kubeconfig itself (in a pod), or null when it is a {@link #file()}. It holds no token, only its path. */
  public String contents() {
    return contents;
  }

  /** The kubeconfig another process was handed ({@link #file()} or {@link #contents()}). */
  public static HelmKubeconfig of(Path file, String contents) {
    return new HelmKubeconfig(file, contents);
  }

  /** Hands the kubeconfig to a helm-java command, as a file or as contents. */
  public void apply(Consumer<Path> withFile, Consumer<String> withContents) {
    if (file != null) {
      withFile.accept(file);
    } else {
      withContents.accept(contents);
    }
  }

  @Override
  public String toString() {
    return file != null ? file.toString() : "in-cluster service account";
  }
}
