package io.helmop.e2e.support;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The real local control plane of e2e/cluster.sh (etcd, kube-apiserver, controller-manager, scheduler, KWOK),
 * started once per test JVM and left running for the next run (`e2e/cluster.sh down` stops it).
 */
public final class LocalCluster {
  private static LocalCluster instance;

  private final Path repoRoot;
  private final Path kubeconfig;
  private final Path binDir;
  private final KubernetesClient client;
  private final java.util.List<String> createdNamespaces = new java.util.concurrent.CopyOnWriteArrayList<>();

  private LocalCluster(Path repoRoot, Path kubeconfig, Path binDir) {
    this.repoRoot = repoRoot;
    this.kubeconfig = kubeconfig;
    this.binDir = binDir;
    try {
      this.client = new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static synchronized LocalCluster get() {
    if (instance == null) {
      Path root = repoRoot();
      Path script = root.resolve("e2e/cluster.sh");
      // a cold start builds Kubernetes from source: give it the time it needs
      Command.Result up = Command.run(Duration.ofMinutes(60), Map.of(), null, root, "bash", script.toString(), "up")
          .orFail();
      Path kubeconfig = Path.of(up.lastLine());
      Path bin = Path.of(Command.run(Duration.ofMinutes(1), Map.of(), null, root, "bash", script.toString(), "bin")
          .orFail().lastLine());
      instance = new LocalCluster(root, kubeconfig, bin);
      instance.kubectl("apply", "--server-side", "-f", root.resolve("crds/helmreleases.helmop.io-v1.yml").toString())
          .orFail();
      instance.kubectl("wait", "--for=condition=Established", "crd/helmreleases.helmop.io", "--timeout=60s")
          .orFail();
    }
    return instance;
  }

  public static Path repoRoot() {
    String root = System.getProperty("helmop.repo.root");
    Path path = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    if (!Files.exists(path.resolve("e2e/cluster.sh"))) {
      throw new IllegalStateException("cannot find the repository root (looked in " + path + ")");
    }
    return path;
  }

  public KubernetesClient client() {
    return client;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public Path repo() {
    return repoRoot;
  }

  public Command.Result kubectl(String... args) {
    return cli("kubectl", null, args);
  }

  public Command.Result kubectlWithInput(String stdin, String... args) {
    return cli("kubectl", stdin, args);
  }

  public Command.Result helm(String... args) {
    return cli("helm", null, args);
  }

  private Command.Result cli(String tool, String stdin, String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = binDir.resolve(tool).toString();
    System.arraycopy(args, 0, argv, 1, args.length);
    return Command.run(Duration.ofMinutes(5), Map.of("KUBECONFIG", kubeconfig.toString(),
        "HELM_CACHE_HOME", repoRoot.resolve("e2e/target/helm-cache").toString(),
        "HELM_CONFIG_HOME", repoRoot.resolve("e2e/target/helm-config").toString()), stdin, null, argv);
  }

  /** A fresh namespace for one test, so tests do not see each other's releases. */
  public String createNamespace(String prefix) {
    String name = prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    kubectl("create", "namespace", name).orFail();
    createdNamespaces.add(name);
    return name;
  }

  /**
   * Deletes the HelmReleases of the namespaces the tests created (while an operator still runs to uninstall
   * them), then the namespaces, so that the cluster, which outlives the test run, does not pile up releases.
   */
  public void deleteTestNamespaces() {
    // all at once: a foundation waits for dependents that may live in another test namespace
    for (String ns : createdNamespaces) {
      kubectl("delete", "helmreleases", "--all", "-n", ns, "--wait=false");
    }
    for (String ns : createdNamespaces) {
      kubectl("wait", "--for=delete", "helmreleases", "--all", "-n", ns, "--timeout=120s");
      kubectl("delete", "namespace", ns, "--wait=false");
    }
    createdNamespaces.clear();
  }
}
