package io.helmop.e2e.support;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

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
  private final List<String> createdNamespaces = new CopyOnWriteArrayList<>();

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
      Command.Result up = Command.run(Duration.ofMinutes(60), Map.of(), null, root, "bash", script.toString(), "up");
      if (up.exitCode() != 0) {
        // once seen in CI: a component killed during start-up by something outside the run; cluster.sh cleans
        // the half-started state, so one more try tells a passing accident from a real failure
        System.err.println("cluster.sh up failed; trying once more:\n" + up.output());
        up = Command.run(Duration.ofMinutes(60), Map.of(), null, root, "bash", script.toString(), "up");
      }
      up.orFail();
      Path kubeconfig = Path.of(up.lastLine());
      refuseOtherOperators(kubeconfig);
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

  /**
   * Refuses to test next to a helmop operator that this JVM did not start but that acts on the same control plane
   * (one run by hand, or the demo of an older checkout, which used this cluster): both would reconcile the tests'
   * HelmReleases and fight over them. Such an operator is a process running helmop-operator.jar whose KUBECONFIG
   * (or ~/.kube/config without it) is this cluster's kubeconfig. Linux only, like e2e/cluster.sh.
   */
  static void refuseOtherOperators(Path kubeconfig) {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return;
    }
    Path ours = realPath(kubeconfig);
    Set<Long> mine = new HashSet<>();
    mine.add(ProcessHandle.current().pid());
    ProcessHandle.current().descendants().forEach(child -> mine.add(child.pid()));
    try (var pids = Files.list(proc)) {
      for (Path dir : pids.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        if (mine.contains(Long.parseLong(dir.getFileName().toString()))) {
          continue;
        }
        List<String> argv = nulSeparated(dir.resolve("cmdline"));
        if (argv.stream().noneMatch(arg -> arg.endsWith("helmop-operator.jar"))) {
          continue;
        }
        for (Path config : kubeconfigsOf(dir)) {
          if (ours.equals(realPath(config))) {
            throw new IllegalStateException("Another helmop operator acts on the tests' control plane (" + kubeconfig
                + "): pid " + dir.getFileName() + ", `" + String.join(" ", argv) + "`. The tests' own operators "
                + "would fight it over their HelmReleases. Stop it first (`e2e/demo.sh down` if it is the demo of "
                + "an older checkout, else `kill " + dir.getFileName() + "`), or give the tests another control "
                + "plane with HELMOP_CLUSTER_DIR and the HELMOP_*_PORT variables (see e2e/cluster.sh).");
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The kubeconfig files a process uses: its KUBECONFIG list, else ~/.kube/config; none if it cannot be read. */
  private static List<Path> kubeconfigsOf(Path processDir) {
    Map<String, String> env = new HashMap<>();
    for (String entry : nulSeparated(processDir.resolve("environ"))) {
      int equals = entry.indexOf('=');
      if (equals > 0) {
        env.put(entry.substring(0, equals), entry.substring(equals + 1));
      }
    }
    Path cwd = processDir.resolve("cwd");
    String list = env.get("KUBECONFIG");
    if (list != null && !list.isBlank()) {
      return Arrays.stream(list.split(":")).filter(p -> !p.isEmpty()).map(cwd::resolve).toList();
    }
    String home = env.get("HOME");
    return home == null ? List.of() : List.of(Path.of(home, ".kube", "config"));
  }

  private static List<String> nulSeparated(Path file) {
    try {
      String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      return Arrays.stream(text.split("\u0000")).filter(s -> !s.isEmpty()).toList();
    } catch (IOException | RuntimeException gone) {
      return List.of(); // exited meanwhile, or not ours to read
    }
  }

  private static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException | RuntimeException e) {
      return path.toAbsolutePath().normalize();
    }
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

  /** A program of e2e/cluster.sh's bin dir (kubectl, helm, registry, ...). */
  public Path binary(String name) {
    Path binary = binDir.resolve(name);
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(binary + " is missing: e2e/cluster.sh builds it into its bin dir ("
          + binDir + "); run `bash e2e/cluster.sh build` and look at the build logs beside that folder");
    }
    return binary;
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
    argv[0] = binary(tool).toString();
    System.arraycopy(args, 0, argv, 1, args.length);
    // kubectl's discovery cache lives and dies with this control plane's state: in ~/.kube/cache it outlived the
    // cluster, and a kind a test had added (Flux's HelmRelease) still captured `helmrelease/NAME` in the next run
    return Command.run(Duration.ofMinutes(5), Map.of("KUBECONFIG", kubeconfig.toString(),
        "KUBECACHEDIR", kubeconfig.resolveSibling("kube-cache").toString(),
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
