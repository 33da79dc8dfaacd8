package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.HelmReleases;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.TestNamespaces;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * helmop configured as the chart's pod is: the operator's ServiceAccount (installed and bound by helm/helmop,
 * without cluster-admin), its token, the cluster CA and the namespace as files at
 * /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST/PORT, the container's environment as
 * the chart's Deployment renders it, no KUBECONFIG and an empty HOME. It must install a HelmRelease with nothing
 * else to go on.
 *
 * <p>fabric8 could be pointed at other files (system properties kubernetes.auth.serviceAccount.token,
 * kubenamespace), but helmop's Helm kubeconfig (HelmKubeconfig) reads the fixed pod path, as it should in a pod.
 * So the operator runs in a mount namespace of its own (unshare, root only) where a tmpfs covers /run and the
 * test's files are bind-mounted at /run/secrets/kubernetes.io/serviceaccount: nothing is written outside
 * temporary folders, and the mounts vanish with the process.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class InClusterOperatorIT {
  /** What the chart's default memory limit and CPU limit mean to the JVM in a container. */
  private static final String CONTAINER_LIMITS = " -XX:MaxRAM=%dm -XX:ActiveProcessorCount=%d";
  private static final String MOUNT_SERVICE_ACCOUNT = """
      set -e
      mount -t tmpfs -o size=1m,mode=755 tmpfs /run
      mkdir -p /run/secrets/kubernetes.io/serviceaccount
      mount --bind -o ro "$0" /run/secrets/kubernetes.io/serviceaccount
      exec "$@"
      """;

  /** Everything the test writes but the operator's log (deleted after the class, the image's root file system too). */
  @TempDir
  static Path temp;
  private static LocalCluster cluster;
  private static ChartRepository repository;
  private static String systemNamespace;
  private static String fullname;

  @BeforeAll
  static void installTheChartsServiceAccountAndRbac() {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "needs root: the service account files go to the pod path in a mount namespace of the operator's own");
    cluster = LocalCluster.get();
    // not one of the test namespaces, which each test deletes when done: both tests use this one
    systemNamespace = "helmop-system-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    cluster.kubectl("create", "namespace", systemNamespace).orFail();
    fullname = systemNamespace; // cluster-wide names (ClusterRole) unique to this run
    repository = new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0")
        .publish(chartNeedingServiceAccounts(), "0.1.0", "1.0.0");
  }

  @AfterAll
  static void cleanUp() {
    if (cluster != null) {
      OperatorProcess.shared(cluster); // again, and to uninstall what a failed test left
      TestNamespaces.deleteAll(cluster, InClusterOperatorIT.class);
      cluster.helm("uninstall", fullname, "-n", systemNamespace, "--wait");
      cluster.kubectl("delete", "namespace", systemNamespace, "--wait=false");
    }
    if (repository != null) {
      repository.close();
    }
  }

  @Test
  void theJarInstallsAReleaseWithTheChartsServiceAccount() throws IOException {
    Path jar = cluster.repo().resolve("operator/target/helmop-operator.jar");
    assertThat(jar).as("build it with `mvn -B package -DskipTests`").isRegularFile();
    String ns = TestNamespaces.create(cluster, "incluster");
    Deployment deployment = installChart(ns);
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    Path secrets = serviceAccountFiles(deployment);

    Map<String, String> env = podEnvironment(container, ns);
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin"); // the image's PATH; here, to find unshare and sh
    // A pod's HOME and cache are emptyDirs at /tmp and /var/cache/helmop; here, empty temporary folders.
    env.put("HOME", Files.createDirectories(temp.resolve("home")).toString());
    env.put("HELMOP_CACHE_DIR", Files.createDirectories(temp.resolve("cache")).toString());
    env.put("JAVA_TOOL_OPTIONS", env.get("JAVA_TOOL_OPTIONS") + containerLimits(container));

    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
        "/bin/sh", "-c", MOUNT_SERVICE_ACCOUNT, secrets.toString(),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
    command.addAll(container.getArgs());
    OperatorProcess.shared(cluster).close(); // it watches every namespace: the test's operator acts alone
    try (PodProcess operator = PodProcess.start("jar", command, env)) {
      installsAndIsRefusedAsTheServiceAccount(operator, ns);
    }
  }

  /**
   * The same with the operator's image instead of the jar, when `e2e/image.sh build` has built it: its layers
   * unpacked into a root filesystem, its entrypoint run there read-only as its own non-root user (see
   * e2e/image.sh run). The default build does not build the image (it needs the base image), so this test is
   * skipped unless operator/target/jib-image.tar exists.
   */
  @Test
  void theImageInstallsAReleaseWithTheChartsServiceAccount() throws IOException {
    Path image = cluster.repo().resolve("operator/target/jib-image.tar");
    assumeTrue(Files.isRegularFile(image), "no image: `bash e2e/image.sh build` builds it");
    String ns = TestNamespaces.create(cluster, "inimage");
    Deployment deployment = installChart(ns);
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    Path secrets = serviceAccountFiles(deployment);

    Map<String, String> env = podEnvironment(container, ns); // HOME=/tmp and the cache are tmpfs mounts there
    env.put("JAVA_TOOL_OPTIONS", env.get("JAVA_TOOL_OPTIONS") + containerLimits(container));
    Path envFile = temp.resolve("pod-env.txt");
    Files.writeString(envFile, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n", "", "\n")));
    Path rootfs = Files.createDirectories(temp.resolve("rootfs"));

    List<String> command = new ArrayList<>(List.of("bash",
        cluster.repo().resolve("e2e/image.sh").toString(), "run", rootfs.toString()));
    command.addAll(container.getArgs());
    Map<String, String> launcher = Map.of("PATH", System.getenv("PATH"),
        "IMAGE_SECRETS", secrets.toString(), "IMAGE_ENV_FILE", envFile.toString());
    OperatorProcess.shared(cluster).close(); // it watches every namespace: the test's operator acts alone
    try (PodProcess operator = PodProcess.start("image", command, launcher)) {
      installsAndIsRefusedAsTheServiceAccount(operator, ns);
    }
  }

  /**
   * Installs examples/charts/hello through a HelmRelease, and sees a chart with a kind the ServiceAccount may not
   * create refused in the ServiceAccount's name: Helm acts with the pod's token, not with any other credential.
   */
  private static void installsAndIsRefusedAsTheServiceAccount(PodProcess operator, String ns) {
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> {
          operator.isAlive();
          assertThat(operator.log()).as("operator log").contains("helmop started");
        });
    assertThat(operator.log()).contains("kubeconfig for Helm=in-cluster service account");
    long idleKib = operator.residentKib();

    HelmReleases.apply(cluster, HelmReleases.helmRelease(ns, "hello", repository.url(), "0.1.x", """
        values: {fullnameOverride: hello, replicaCount: 1}"""));
    MemoryPeak peak = MemoryPeak.watch(operator);
    await().atMost(Duration.ofMinutes(3)).untilAsserted(() -> {
      operator.isAlive();
      assertThat(condition(get(cluster, ns, "hello"), "Ready"))
          .hasValueSatisfying(c -> assertThat(c.getStatus()).as(c.getMessage()).isEqualTo("True"));
    });
    peak.stop();
    assertThat(cluster.helm("status", "hello", "-n", ns, "-o", "json").orFail().output())
        .contains("\"status\":\"deployed\"");

    String account = "system:serviceaccount:" + systemNamespace + ":" + fullname;
    HelmReleases.apply(cluster, HelmReleases.helmRelease(ns, "needs-rights", repository.url(), "needs-rights",
        "0.1.0", ""));
    await().atMost(Duration.ofMinutes(2)).untilAsserted(() ->
        assertThat(condition(get(cluster, ns, "needs-rights"), "Ready"))
            .hasValueSatisfying(c -> assertThat(c.getMessage()).contains(account).contains("serviceaccounts")));

    System.out.printf("figures (%s, in-cluster): operator RSS %d MiB idle, %d MiB after one install; "
            + "peak during the install: operator %d MiB, Helm child JVMs %d MiB; log %s%n", operator.name,
        idleKib / 1024, operator.residentKib() / 1024, peak.operatorKib.get() / 1024, peak.childrenKib.get() / 1024,
        operator.log);
    TestNamespaces.deleteAll(cluster); // while the operator runs, so that it uninstalls the releases
  }

  /** helm install of the chart: its ServiceAccount, RBAC (no cluster-admin) and Deployment (run by KWOK). */
  private static Deployment installChart(String watchedNamespace) {
    String values = """
        fullnameOverride: %s
        operator:
          namespaces: [%s]
        rbac:
          clusterAdmin: false
          extraRules:   # what examples/charts/hello creates, and what Helm's --wait reads
            - apiGroups: [""]
              resources: [configmaps, services]
              verbs: [get, list, watch, create, update, patch, delete]
            - apiGroups: [apps]
              resources: [deployments]
              verbs: [get, list, watch, create, update, patch, delete]
            - apiGroups: [apps]
              resources: [replicasets]
              verbs: [get, list, watch]
            - apiGroups: [""]
              resources: [pods]
              verbs: [get, list, watch]
        """.formatted(fullname, watchedNamespace);
    Path valuesFile = write("values-", values);
    String chart = cluster.repo().resolve("helm/helmop").toString();
    cluster.helm("upgrade", "--install", fullname, chart, "-n", systemNamespace, "-f", valuesFile.toString())
        .orFail();
    String manifest = cluster.helm("get", "manifest", fullname, "-n", systemNamespace).orFail().output();
    List<HasMetadata> objects = cluster.client()
        .load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8))).items();
    return objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst()
        .orElseThrow();
  }

  /** What the kubelet mounts for the pod's ServiceAccount: a token, the cluster's CA, the namespace. */
  private static Path serviceAccountFiles(Deployment deployment) throws IOException {
    String account = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
    Path dir = Files.createDirectories(temp.resolve("serviceaccount-" + account));
    String token = cluster.kubectl("create", "token", account, "-n", systemNamespace, "--duration=1h")
        .orFail().output().strip();
    Files.writeString(dir.resolve("token"), token);
    Files.write(dir.resolve("ca.crt"), Base64.getDecoder().decode(
        cluster.client().getConfiguration().getCaCertData()));
    Files.writeString(dir.resolve("namespace"), systemNamespace);
    // as the kubelet's projected volume (defaultMode 0644): readable by the image's non-root user
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String file : List.of("token", "ca.crt", "namespace")) {
      Files.setPosixFilePermissions(dir.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
    }
    return dir;
  }

  /**
   * The container's environment as the kubelet sets it: the chart's env (downward API fields resolved), the
   * API server's address, and nothing of this JVM's (no KUBECONFIG). The health and metrics ports are moved to
   * free ones, so that the operator cannot collide with anything else on this machine.
   */
  private static Map<String, String> podEnvironment(Container container, String ns) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      if (var.getValueFrom() == null) {
        env.put(var.getName(), var.getValue());
      } else {
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        env.put(var.getName(), switch (field) {
          case "metadata.namespace" -> systemNamespace;
          case "metadata.name" -> fullname + "-7d4b9c8f5-x2x7q";
          default -> throw new AssertionError("the test does not know the downward API field " + field);
        });
      }
    }
    assertThat(env).containsEntry("HELMOP_NAMESPACES", ns).containsKey("JAVA_TOOL_OPTIONS")
        .containsKeys("HELMOP_HEALTH_ADDRESS", "HELMOP_METRICS_ADDRESS", "HELMOP_LEADER_ELECTION", "POD_NAMESPACE");
    env.put("HELMOP_HEALTH_ADDRESS", "127.0.0.1:" + freePort());
    env.put("HELMOP_METRICS_ADDRESS", "127.0.0.1:" + freePort());
    URI server = URI.create(cluster.client().getMasterUrl().toString());
    env.put("KUBERNETES_SERVICE_HOST", server.getHost());
    env.put("KUBERNETES_SERVICE_PORT", Integer.toString(server.getPort()));
    return env;
  }

  /** -XX:MaxRAM and -XX:ActiveProcessorCount from the container's limits: what the JVM reads from cgroups. */
  private static String containerLimits(Container container) {
    Map<String, Quantity> limits = container.getResources().getLimits();
    long memoryMib = Quantity.getAmountInBytes(limits.get("memory")).longValue() / (1024 * 1024);
    int cpus = Math.max(1, (int) Math.ceil(Quantity.getAmountInBytes(limits.get("cpu")).doubleValue()));
    return CONTAINER_LIMITS.formatted(memoryMib, cpus);
  }

  /** A chart whose only object is a ServiceAccount, a kind the test's RBAC does not let helmop create. */
  private static Path chartNeedingServiceAccounts() {
    try {
      Path dir = temp.resolve("charts/needs-rights");
      Files.createDirectories(dir.resolve("templates"));
      Files.writeString(dir.resolve("Chart.yaml"), "apiVersion: v2\nname: needs-rights\nversion: 0.1.0\n");
      Files.writeString(dir.resolve("templates/serviceaccount.yaml"), """
          apiVersion: v1
          kind: ServiceAccount
          metadata:
            name: {{ .Release.Name }}
          """);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path write(String prefix, String content) {
    try {
      Path file = Files.createTempFile(temp, prefix, ".yaml");
      Files.writeString(file, content);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The operator in a process of its own, with exactly the environment given (as in a container). */
  private static final class PodProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private PodProcess(String name, Process process, Path log) {
      this.name = name;
      this.process = process;
      this.log = log;
    }

    static PodProcess start(String name, List<String> command, Map<String, String> env) throws IOException {
      Path logs = Files.createDirectories(cluster.repo().resolve("e2e/target/operator-logs"));
      Path log = Files.createTempFile(logs, "helmop-incluster-" + name + "-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().clear();
      builder.environment().putAll(env);
      return new PodProcess(name, builder.start(), log);
    }

    String log() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    boolean isAlive() {
      if (!process.isAlive()) {
        throw new AssertionError("the operator exited " + process.exitValue() + ":\n" + log());
      }
      return true;
    }

    long residentKib() {
      return residentKib(process.pid());
    }

    static long residentKib(long pid) {
      try {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
            .filter(line -> line.startsWith("VmRSS:"))
            .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
            .findFirst().orElse(0);
      } catch (IOException | UncheckedIOException gone) {
        return 0;
      }
    }

    @Override
    public void close() {
      process.destroy(); // SIGTERM, as the kubelet sends
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      System.out.println("operator log (" + name + "): " + log);
    }
  }

  /** The highest RSS of the operator, and of its Helm child JVMs together, while an install runs. */
  private static final class MemoryPeak {
    final AtomicLong operatorKib = new AtomicLong();
    final AtomicLong childrenKib = new AtomicLong();
    private final Thread sampler;

    private MemoryPeak(PodProcess operator) {
      sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          operatorKib.accumulateAndGet(operator.residentKib(), Math::max);
          long children = operator.process.descendants()
              .mapToLong(child -> PodProcess.residentKib(child.pid())).sum();
          childrenKib.accumulateAndGet(children, Math::max);
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "memory-peak");
      sampler.setDaemon(true);
    }

    static MemoryPeak watch(PodProcess operator) {
      MemoryPeak peak = new MemoryPeak(operator);
      peak.sampler.start();
      return peak;
    }

    void stop() {
      sampler.interrupt();
    }
  }
}
