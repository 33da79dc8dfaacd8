package io.helmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.Command;
import io.helmop.e2e.support.FluxControllers;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.ProcessMeter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * helmop side by side with Flux's helm-controller + source-controller (and, for single releases, the helm CLI) on
 * the same local control plane, the same chart (examples/charts/hello: a Deployment, a Service, a ConfigMap) and
 * the same repository. Scenario by scenario, helmop goes first, then Flux, so machine noise hits both; the
 * operator not being measured sits idle with no releases (its idle requests are in the baseline that the
 * steady-state figures subtract: the API server does not count requests per client). Prints a table of figures
 * and ratios (and writes it to e2e/target/flux-comparison.md); asserts only what must hold whatever the machine:
 * every release of both operators gets Ready, drift is undone, helmop makes no Helm call in the steady state. No
 * timed assertion. Sizes (system properties, small in `mvn verify`, full with `e2e/bench.sh --size full`):
 * helmop.bench.singles (installs and upgrades per tool), helmop.bench.fleets (comma-separated), helmop.bench.steady
 * (seconds), helmop.bench.interval (both operators' interval), helmop.bench.chain (links), helmop.bench.storm.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own stops the shared one; and figures need a quiet machine
class FluxComparisonBenchmarkIT {
  static final int SINGLES = Integer.getInteger("helmop.bench.singles", 2);
  static final List<Integer> FLEETS = Arrays.stream(System.getProperty("helmop.bench.fleets", "3").split(","))
      .map(String::strip).map(Integer::valueOf).toList();
  static final int STEADY_SECONDS = Integer.getInteger("helmop.bench.steady", 20);
  static final String INTERVAL = System.getProperty("helmop.bench.interval", "15s");
  static final int CHAIN = Integer.getInteger("helmop.bench.chain", 2);
  static final int STORM = Integer.getInteger("helmop.bench.storm", 5);
  /**
   * Flags of a second helmop for the fleets only (e.g. "--helm-processes=8 --concurrency=20"): it runs as shard
   * "alt" beside the default one, so the fleet is measured at two settings in the same run.
   */
  static final List<String> ALT_SETTINGS = Arrays.stream(System.getProperty("helmop.bench.alt-settings", "")
      .strip().split("\\s+")).filter(a -> !a.isEmpty()).toList();
  static final Duration LIMIT = Duration.ofMinutes(Integer.getInteger("helmop.bench.limit-minutes", 30));

  static LocalCluster cluster;
  static ChartRepository repository;
  static Path fluxBinaries;
  static final Report report = new Report();

  @BeforeAll
  static void setUp() {
    cluster = LocalCluster.get();
    fluxBinaries = FluxControllers.binaries(cluster);
    FluxControllers.installCrds(cluster);
    repository = new ChartRepository(cluster).publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0",
        "1.0.0");
  }

  @AfterAll
  static void tearDown() throws IOException {
    String table = report.render();
    System.out.println(table);
    Path out = cluster.repo().resolve("e2e/target/flux-comparison.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
    if (repository != null) {
      repository.close();
    }
    FluxControllers.removeCrds(cluster);
  }

  // ---------------------------------------------------------------------------------------------------------
  // The two operators behind one interface: how each is started, and how a release of each is written and read.
  // ---------------------------------------------------------------------------------------------------------

  interface Operator extends AutoCloseable {
    String name();

    /** Process ids whose trees make the operator (for CPU and memory). */
    List<Long> pids();

    /** What must exist in a namespace before releases (Flux: the HelmRepository). */
    void prepare(String namespace);

    /** A release of the hello chart; drift detection on when asked, else the operator's default. */
    String release(String namespace, String name, String message, String dependsOn, boolean drift);

    String apiVersion();

    /** Helm calls so far, when the operator counts them (-1 if it does not). */
    long helmCalls();

    @Override
    void close();
  }

  static final class Helmop implements Operator {
    final OperatorProcess process;
    final int metricsPort;
    final String name;
    /** The shard label its releases carry (null: none, the default instance's). */
    final String shard;

    Helmop() {
      this("helmop", null, List.of());
    }

    Helmop(String name, String shard, List<String> flags) {
      this.name = name;
      this.shard = shard;
      metricsPort = freePort();
      List<String> args = new ArrayList<>(List.of("--leader-election", "false",
          "--health-address", "127.0.0.1:" + metricsPort, "--metrics-address", "127.0.0.1:" + metricsPort));
      if (shard != null) {
        args.add("--shard=" + shard);
      }
      args.addAll(flags);
      // the operator's own retry defaults (the tests' launcher shortens them)
      process = OperatorProcess.start(cluster, Map.of("HELMOP_RETRY_INITIAL_INTERVAL", "5s",
              "HELMOP_RETRY_MAX_INTERVAL", "5m"), args.toArray(String[]::new));
      waitFor(() -> curl("http://127.0.0.1:" + metricsPort + "/readyz").exitCode() == 0, Duration.ofMinutes(2),
          "helmop ready (log: " + process.logFile() + ")");
    }

    public String name() {
      return name;
    }

    public List<Long> pids() {
      return List.of(process.pid());
    }

    public void prepare(String namespace) {}

    public String release(String namespace, String name, String message, String dependsOn, boolean drift) {
      return """
          apiVersion: helmop.io/v1alpha1
          kind: HelmRelease
          metadata: {name: %s, namespace: %s%s}
          spec:
            chart: {repository: "%s", name: hello, version: "0.1.0"}
            interval: %s
            values: {message: "%s"}
          %s%s""".formatted(name, namespace, shard == null ? "" : ", labels: {helmop.io/shard: " + shard + "}",
          repository.url(), INTERVAL, message,
          drift ? "  driftDetection: {mode: Enabled}\n" : "",
          dependsOn == null ? "" : "  dependsOn: [{name: " + dependsOn + "}]\n");
    }

    public String apiVersion() {
      return "helmop.io/v1alpha1";
    }

    public long helmCalls() {
      String metrics = curl("http://127.0.0.1:" + metricsPort + "/metrics").orFail().output();
      long calls = 0;
      Matcher m = Pattern.compile("(?m)^helmop_helm_action_seconds_count\\{[^}]*} ([0-9.eE+]+)$").matcher(metrics);
      while (m.find()) {
        calls += (long) Double.parseDouble(m.group(1));
      }
      return calls;
    }

    public void close() {
      process.close();
    }
  }

  static final class Flux implements Operator {
    final FluxControllers controllers = FluxControllers.start(cluster, fluxBinaries);

    public String name() {
      return "Flux";
    }

    public List<Long> pids() {
      return controllers.pids();
    }

    public void prepare(String namespace) {
      apply("""
          apiVersion: source.toolkit.fluxcd.io/v1
          kind: HelmRepository
          metadata: {name: charts, namespace: %s}
          spec: {url: "%s", interval: %s}
          """.formatted(namespace, repository.url(), INTERVAL));
    }

    public String release(String namespace, String name, String message, String dependsOn, boolean drift) {
      return """
          apiVersion: helm.toolkit.fluxcd.io/v2
          kind: HelmRelease
          metadata: {name: %s, namespace: %s}
          spec:
            interval: %s
            chart:
              spec: {chart: hello, version: "0.1.0", sourceRef: {kind: HelmRepository, name: charts}, interval: %s}
            values: {message: "%s"}
          %s%s""".formatted(name, namespace, INTERVAL, INTERVAL, message,
          drift ? "  driftDetection: {mode: enabled}\n" : "",
          dependsOn == null ? "" : "  dependsOn: [{name: " + dependsOn + "}]\n");
    }

    public String apiVersion() {
      return "helm.toolkit.fluxcd.io/v2";
    }

    public long helmCalls() {
      return -1;
    }

    public void close() {
      controllers.close();
    }
  }

  /** helmop first, then Flux, in every scenario. */
  static final List<Operator> operators = new ArrayList<>();
  /** helmop at the other settings, fleets only (null when not asked for). */
  static Operator alternative;

  // ---------------------------------------------------------------------------------------------------------
  // Scenarios
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Both operators run all along: each acts only on its own kind of HelmRelease, and each scenario's releases are
   * uninstalled before the next, so the one not being measured sits idle with nothing to reconcile (its idle
   * requests are in the baseline; its processes are not in the other's figures).
   */
  @Test
  void sideBySide() {
    report.machine();
    try {
      operators.add(new Helmop());
      operators.add(new Flux());
      if (!ALT_SETTINGS.isEmpty()) {
        alternative = new Helmop("helmop " + String.join(" ", ALT_SETTINGS), "alt", ALT_SETTINGS);
      }
      Map<String, Long> baseline = timed("baseline", this::steadyBaseline);
      timed("single installs and upgrades", () -> {
        singleInstallsAndUpgrades();
        return null;
      });
      for (int size : FLEETS) {
        timed("fleet of " + size, () -> {
          fleetAndSteadyState(size, baseline);
          return null;
        });
      }
      timed("drift", () -> {
        drift();
        return null;
      });
      timed("dependency chain", () -> {
        dependencyChain();
        return null;
      });
      timed("storm", () -> {
        newReleaseDuringStorm();
        return null;
      });
    } finally {
      operators.forEach(Operator::close);
      if (alternative != null) {
        alternative.close();
      }
    }
  }

  static <T> T timed(String phase, java.util.function.Supplier<T> work) {
    long start = System.nanoTime();
    T result = work.get();
    System.out.printf("BENCHMARK phase %s took %d s%n", phase, millisSince(start) / 1000);
    return result;
  }

  /** The API server's requests with both operators idle (no releases), to subtract from their steady states. */
  Map<String, Long> steadyBaseline() {
    sleep(Duration.ofSeconds(5)); // past the operators' start-up requests
    Map<String, Long> before = apiRequests();
    sleep(Duration.ofSeconds(STEADY_SECONDS));
    Map<String, Long> delta = minus(apiRequests(), before);
    report.note("Baseline (both operators idle, no releases, %d s): %d API requests (control plane, KWOK, the "
        + "idle operators, the test's own metric reads); subtracted from the steady-state figures.",
        STEADY_SECONDS, total(delta));
    return delta;
  }

  void singleInstallsAndUpgrades() {
    Map<String, List<Long>> installs = new LinkedHashMap<>();
    Map<String, List<Long>> upgrades = new LinkedHashMap<>();
    for (Operator op : operators) {
      String which = op.name();
      String ns = cluster.createNamespace("bench-single-" + which.toLowerCase());
      op.prepare(ns);
      for (int i = 0; i < SINGLES; i++) {
        String name = "single-" + i;
        long start = System.nanoTime();
        apply(op.release(ns, name, "v1", null, false));
        awaitReady(op, ns, List.of(name), LIMIT);
        installs.computeIfAbsent(which, k -> new ArrayList<>()).add(millisSince(start));
      }
      for (int i = 0; i < SINGLES; i++) {
        String name = "single-" + i;
        long start = System.nanoTime();
        apply(op.release(ns, name, "v2", null, false));
        awaitReady(op, ns, List.of(name), LIMIT);
        upgrades.computeIfAbsent(which, k -> new ArrayList<>()).add(millisSince(start));
      }
      assertThat(cluster.kubectl("get", "configmap", "-n", ns, "single-0", "-o", "jsonpath={.data}").orFail()
          .output()).as("%s upgraded the release's ConfigMap", which).contains("v2");
      cleanUp(op, ns);
    }
    String ns = cluster.createNamespace("bench-single-helm");
    for (String phase : List.of("v1", "v2")) {
      for (int i = 0; i < SINGLES; i++) {
        long start = System.nanoTime();
        cluster.helm("upgrade", "--install", "single-" + i, "hello", "--repo", repository.url(), "--version",
            "0.1.0", "-n", ns, "--atomic", "--wait", "--timeout", "5m", "--set", "message=" + phase).orFail();
        (phase.equals("v1") ? installs : upgrades).computeIfAbsent("helm CLI", k -> new ArrayList<>())
            .add(millisSince(start));
      }
    }
    cluster.kubectl("delete", "namespace", ns, "--wait=false");
    report.singles("single install → Ready", installs);
    report.singles("single upgrade → Ready", upgrades);
  }

  void fleetAndSteadyState(int size, Map<String, Long> baseline) {
    Map<String, Fleet> fleets = new LinkedHashMap<>();
    List<Operator> measured = new ArrayList<>(operators);
    if (alternative != null) {
      measured.add(alternative);
    }
    for (Operator op : measured) {
      String which = op.name();
      // a name fit for a namespace: "helmop --helm-processes=2" → "helmop-helm-processes-2"
      String ns = cluster.createNamespace("bench-fleet-" + which.toLowerCase().replaceAll("[^a-z0-9]+", "-"));
      op.prepare(ns);
      List<String> names = new ArrayList<>();
      StringBuilder yaml = new StringBuilder();
      for (int i = 0; i < size; i++) {
        names.add("app-%04d".formatted(i));
        yaml.append(op.release(ns, names.get(i), "fleet", null, false)).append("---\n");
      }
      Fleet fleet = new Fleet();
      try (ProcessMeter meter = new ProcessMeter(op::pids).start()) {
        long start = System.nanoTime();
        apply(yaml.toString());
        awaitReady(op, ns, names, LIMIT);
        fleet.seconds = millisSince(start) / 1000.0;
        fleet.cpu = meter.cpuSecondsSinceStart();
        fleet.peakMib = meter.peakMib();
        fleet.peakPssMib = meter.peakPssMib();
        fleet.peakRootsMib = meter.peakRootsMib();
      }
      // steady state: the fleet Ready, nothing changes; the test makes no request while it lasts
      sleep(Duration.ofSeconds(5));
      long helmBefore = op.helmCalls();
      int revisionsBefore = helmRecords(ns);
      Map<String, Long> apiBefore = apiRequests();
      try (ProcessMeter meter = new ProcessMeter(op::pids).start()) {
        sleep(Duration.ofSeconds(STEADY_SECONDS));
        fleet.steadyCpu = meter.cpuSecondsSinceStart();
        fleet.steadyRssMib = meter.peakMib();
      }
      fleet.api = minus(minus(apiRequests(), apiBefore), baseline);
      fleet.helmCalls = op.helmCalls() < 0 ? -1 : op.helmCalls() - helmBefore;
      fleet.newRecords = helmRecords(ns) - revisionsBefore;
      fleets.put(which, fleet);
      if (op instanceof Helmop) {
        assertThat(fleet.helmCalls).as("helmop's Helm calls in the steady state").isZero();
      }
      cleanUp(op, ns);
    }
    report.fleet(size, fleets);
  }

  void drift() {
    Map<String, Long> restored = new LinkedHashMap<>();
    for (Operator op : operators) {
      String which = op.name();
      String ns = cluster.createNamespace("bench-drift-" + which.toLowerCase());
      op.prepare(ns);
      apply(op.release(ns, "drifty", "v1", null, true));
      awaitReady(op, ns, List.of("drifty"), LIMIT);
      String original = image(ns, "drifty");
      sleep(Duration.ofSeconds(2)); // past the install's own aftermath
      long start = System.nanoTime();
      cluster.kubectl("set", "image", "deployment/drifty", "-n", ns, "hello=example.invalid/edited:6.6.6")
          .orFail();
      waitFor(() -> original.equals(image(ns, "drifty")), LIMIT, which + " restores the edited image");
      restored.put(which, millisSince(start));
      cleanUp(op, ns);
    }
    report.row("drift: image edited → restored", restored, "ms", "Flux checks drift at its interval (" + INTERVAL
        + " here)");
  }

  void dependencyChain() {
    Map<String, Long> worst = new LinkedHashMap<>();
    Map<String, List<Long>> perLink = new LinkedHashMap<>();
    for (Operator op : operators) {
      String which = op.name();
      String ns = cluster.createNamespace("bench-chain-" + which.toLowerCase());
      op.prepare(ns);
      StringBuilder yaml = new StringBuilder();
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= CHAIN; i++) {
        names.add("link-" + i);
      }
      for (int i = CHAIN; i >= 1; i--) { // the last link first
        yaml.append(op.release(ns, "link-" + i, "chain", i == 1 ? null : "link-" + (i - 1), false))
            .append("---\n");
      }
      apply(yaml.toString());
      // when each link was first seen Ready, and when Helm's first record of each appeared
      Map<String, Long> readySeen = new HashMap<>();
      Map<String, Long> recordSeen = new HashMap<>();
      long deadline = System.nanoTime() + LIMIT.toNanos();
      while (readySeen.size() < CHAIN && System.nanoTime() < deadline) {
        long now = System.nanoTime();
        for (GenericKubernetesResource r : list(op, ns)) {
          if (isReady(r)) {
            readySeen.putIfAbsent(r.getMetadata().getName(), now);
          }
        }
        for (String name : helmRecordOwners(ns)) {
          recordSeen.putIfAbsent(name, now);
        }
        sleep(Duration.ofMillis(100));
      }
      assertThat(readySeen.keySet()).as("%s: every link Ready", which).containsAll(names);
      List<Long> gaps = new ArrayList<>();
      for (int i = 2; i <= CHAIN; i++) {
        gaps.add((recordSeen.get("link-" + i) - readySeen.get("link-" + (i - 1))) / 1_000_000);
      }
      perLink.put(which, gaps);
      worst.put(which, gaps.stream().mapToLong(Long::longValue).max().orElse(0));
      cleanUp(op, ns);
    }
    report.row("dependency chain of " + CHAIN + ": dependency Ready → dependent's first Helm record, worst link",
        worst, "ms", "per link: " + perLink);
  }

  void newReleaseDuringStorm() {
    Map<String, Long> late = new LinkedHashMap<>();
    Map<String, Long> whole = new LinkedHashMap<>();
    for (Operator op : operators) {
      String which = op.name();
      String ns = cluster.createNamespace("bench-storm-" + which.toLowerCase());
      op.prepare(ns);
      StringBuilder yaml = new StringBuilder();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < STORM; i++) {
        names.add("storm-%04d".formatted(i));
        yaml.append(op.release(ns, names.get(i), "storm", null, false)).append("---\n");
      }
      long stormStart = System.nanoTime();
      apply(yaml.toString());
      sleep(Duration.ofSeconds(2)); // the storm under way
      long start = System.nanoTime();
      apply(op.release(ns, "newcomer", "late", null, false));
      awaitReady(op, ns, List.of("newcomer"), LIMIT);
      late.put(which, millisSince(start));
      awaitReady(op, ns, names, LIMIT);
      whole.put(which, millisSince(stormStart));
      cleanUp(op, ns);
    }
    report.row("a new release during a storm of " + STORM + " installs → Ready", late, "ms",
        "the storm itself all Ready (ms): " + whole);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------------------------

  static void apply(String yaml) {
    cluster.kubectlWithInput(yaml, "apply", "-f", "-").orFail();
  }

  static List<GenericKubernetesResource> list(Operator op, String ns) {
    return cluster.client().genericKubernetesResources(op.apiVersion(), "HelmRelease").inNamespace(ns).list()
        .getItems();
  }

  /** Ready=True for the current generation (both operators set the condition's observedGeneration). */
  @SuppressWarnings("unchecked")
  static boolean isReady(GenericKubernetesResource r) {
    Object status = r.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> conditions)) {
      return false;
    }
    Long generation = r.getMetadata().getGeneration();
    for (Object c : conditions) {
      Map<String, Object> condition = (Map<String, Object>) c;
      if ("Ready".equals(condition.get("type"))) {
        Object observed = condition.getOrDefault("observedGeneration", s.get("observedGeneration"));
        return "True".equals(condition.get("status")) && observed instanceof Number n
            && generation != null && n.longValue() == generation;
      }
    }
    return false;
  }

  static void awaitReady(Operator op, String ns, Collection<String> names, Duration limit) {
    waitFor(() -> list(op, ns).stream().filter(r -> names.contains(r.getMetadata().getName()))
        .filter(FluxComparisonBenchmarkIT::isReady).count() == names.size(), limit,
        op.name() + ": " + names.size() + " release(s) Ready in " + ns);
  }

  /** Deletes the namespace's releases while the operator runs (so it uninstalls them), then the namespace. */
  static void cleanUp(Operator op, String ns) {
    String resource = op instanceof Flux ? "helmreleases.helm.toolkit.fluxcd.io" : "helmreleases.helmop.io";
    cluster.kubectl("delete", resource, "--all", "-n", ns, "--wait=false");
    waitFor(() -> list(op, ns).isEmpty(), Duration.ofMinutes(10), op.name() + " uninstalls the releases in " + ns);
    if (op instanceof Flux) { // nothing of the scenario left for Flux to poll
      cluster.kubectl("delete", "helmcharts.source.toolkit.fluxcd.io,helmrepositories.source.toolkit.fluxcd.io",
          "--all", "-n", ns, "--timeout=120s");
    }
    cluster.kubectl("delete", "namespace", ns, "--wait=false");
  }

  static String image(String ns, String deployment) {
    var d = cluster.client().apps().deployments().inNamespace(ns).withName(deployment).get();
    return d == null ? "" : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  /** Helm's release records (one Secret per revision) in the namespace. */
  static int helmRecords(String ns) {
    return cluster.client().secrets().inNamespace(ns).withLabel("owner", "helm").list().getItems().size();
  }

  static List<String> helmRecordOwners(String ns) {
    return cluster.client().secrets().inNamespace(ns).withLabel("owner", "helm").list().getItems().stream()
        .map(s -> s.getMetadata().getLabels().get("name")).toList();
  }

  /** apiserver_request_total by "VERB resource[/subresource]", summed over codes, scopes and versions. */
  static Map<String, Long> apiRequests() {
    String metrics = cluster.kubectl("get", "--raw", "/metrics").orFail().output();
    Map<String, Long> counts = new TreeMap<>();
    Pattern line = Pattern.compile("^apiserver_request_total\\{(.*)} ([0-9.eE+]+)$");
    for (String l : metrics.split("\n")) {
      Matcher m = line.matcher(l);
      if (m.matches()) {
        Map<String, String> labels = new HashMap<>();
        Matcher lm = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(m.group(1));
        while (lm.find()) {
          labels.put(lm.group(1), lm.group(2));
        }
        String sub = labels.getOrDefault("subresource", "");
        String key = labels.get("verb") + " " + labels.get("resource") + (sub.isEmpty() ? "" : "/" + sub);
        counts.merge(key, (long) Double.parseDouble(m.group(2)), Long::sum);
      }
    }
    return counts;
  }

  static Map<String, Long> minus(Map<String, Long> a, Map<String, Long> b) {
    Map<String, Long> d = new TreeMap<>();
    a.forEach((k, v) -> d.put(k, v - b.getOrDefault(k, 0L)));
    d.values().removeIf(v -> v == 0);
    return d;
  }

  static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  static Command.Result curl(String url) {
    return Command.run(Duration.ofSeconds(10), Map.of(), null, null, "curl", "-fsS", "--noproxy", "*", "-m", "5",
        url);
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls every 100 ms (the figures' resolution); fails after {@code limit} naming what it waited for. */
  static void waitFor(java.util.function.BooleanSupplier condition, Duration limit, String what) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up after " + limit + " waiting for: " + what);
      }
      sleep(Duration.ofMillis(100));
    }
  }

  static final class Fleet {
    double seconds;
    double cpu;
    long peakMib;
    long peakPssMib;
    long peakRootsMib;
    double steadyCpu;
    long steadyRssMib;
    Map<String, Long> api = Map.of();
    long helmCalls;
    int newRecords;
  }

  /** The table: one row per figure, helmop | Flux | helm CLI | helmop ÷ Flux | helmop ÷ helm CLI. */
  static final class Report {
    private final List<String> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String machine = "";

    void machine() {
      String load = readFirstLine("/proc/loadavg");
      machine = ("%d cores, load average at start %s; Flux: %s; sizes: singles %d, "
          + "fleets %s, steady %d s, interval %s, chain %d, storm %d").formatted(
              Runtime.getRuntime().availableProcessors(), load, fluxVersions(), SINGLES, FLEETS, STEADY_SECONDS,
              INTERVAL, CHAIN, STORM);
    }

    void note(String format, Object... args) {
      notes.add(format.formatted(args));
    }

    void singles(String what, Map<String, List<Long>> samples) {
      Function<String, String> fmt = tool -> {
        List<Long> s = samples.getOrDefault(tool, List.of());
        return s.isEmpty() ? "" : "%.2f s / %.2f s".formatted(percentile(s, 50) / 1000.0, percentile(s, 95) / 1000.0);
      };
      rows.add(row(what + " (median / p95 of " + SINGLES + ")", fmt.apply("helmop"), fmt.apply("Flux"),
          fmt.apply("helm CLI"), ratio(median(samples, "helmop"), median(samples, "Flux")),
          ratio(median(samples, "helmop"), median(samples, "helm CLI"))));
    }

    void fleet(int size, Map<String, Fleet> f) {
      Fleet h = f.get("helmop");
      Fleet x = f.get("Flux");
      rows.add(row("fleet of " + size + " applied at once → all Ready", "%.1f s".formatted(h.seconds),
          "%.1f s".formatted(x.seconds), "", ratio(h.seconds, x.seconds), ""));
      rows.add(row("fleet of " + size + ": CPU seconds, all processes", "%.1f".formatted(h.cpu),
          "%.1f".formatted(x.cpu), "", ratio(h.cpu, x.cpu), ""));
      rows.add(row("fleet of " + size + ": peak RSS, all processes", h.peakMib + " MiB", x.peakMib + " MiB", "",
          ratio(h.peakMib, x.peakMib), ""));
      rows.add(row("fleet of " + size + ": peak PSS, all processes (shared pages counted once)",
          h.peakPssMib + " MiB", x.peakPssMib + " MiB", "", ratio(h.peakPssMib, x.peakPssMib), ""));
      note("Fleet of %d, peak RSS of the operator processes alone (without child processes): helmop %d MiB, "
          + "Flux %d MiB (both controllers)", size, h.peakRootsMib, x.peakRootsMib);
      rows.add(row("steady state, " + size + " Ready, " + STEADY_SECONDS + " s: API requests (net of baseline)",
          String.valueOf(total(h.api)), String.valueOf(total(x.api)), "", ratio(total(h.api), total(x.api)), ""));
      rows.add(row("steady state: CPU seconds / RSS", "%.1f / %d MiB".formatted(h.steadyCpu, h.steadyRssMib),
          "%.1f / %d MiB".formatted(x.steadyCpu, x.steadyRssMib), "", ratio(h.steadyCpu, x.steadyCpu), ""));
      rows.add(row("steady state: Helm calls / new Helm records", h.helmCalls + " / " + h.newRecords,
          "(not counted) / " + x.newRecords, "", "", ""));
      note("Steady state, fleet of %d, API requests by verb and resource (net of baseline) — helmop: %s; Flux: %s",
          size, top(h.api), top(x.api));
      f.forEach((name, other) -> {
        if (!name.equals("helmop") && !name.equals("Flux")) {
          rows.add(row("fleet of " + size + ", " + name + ": all Ready / CPU s / peak RSS / peak PSS",
              "%.1f s / %.1f / %d MiB / %d MiB".formatted(other.seconds, other.cpu, other.peakMib, other.peakPssMib),
              "", "", ratio(other.seconds, x.seconds) + " / " + ratio(other.cpu, x.cpu) + " / "
                  + ratio(other.peakMib, x.peakMib) + " / " + ratio(other.peakPssMib, x.peakPssMib), ""));
        }
      });
    }

    void row(String what, Map<String, Long> millis, String unit, String note) {
      Function<String, String> fmt = tool -> millis.containsKey(tool) ? millis.get(tool) + " " + unit : "";
      rows.add(row(what, fmt.apply("helmop"), fmt.apply("Flux"), "", ratio(millis.get("helmop"),
          millis.get("Flux")), ""));
      notes.add(what + ": " + note);
    }

    private static String top(Map<String, Long> api) {
      return api.entrySet().stream().filter(e -> e.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
          .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String row(String... cells) {
      return "| " + String.join(" | ", cells) + " |";
    }

    private static Double median(Map<String, List<Long>> samples, String tool) {
      List<Long> s = samples.get(tool);
      return s == null || s.isEmpty() ? null : percentile(s, 50);
    }

    static double percentile(List<Long> samples, int p) {
      List<Long> sorted = samples.stream().sorted().toList();
      int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1; // nearest rank
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String ratio(Number a, Number b) {
      return a == null || b == null || b.doubleValue() == 0 ? "" : "%.2f×".formatted(a.doubleValue()
          / b.doubleValue());
    }

    String render() {
      StringBuilder out = new StringBuilder("## helmop vs Flux vs helm CLI\n\n").append(machine).append("\n\n")
          .append(row("", "helmop", "Flux", "helm CLI", "helmop ÷ Flux", "helmop ÷ helm CLI")).append('\n')
          .append("|---|---|---|---|---|---|\n");
      rows.forEach(r -> out.append(r).append('\n'));
      out.append('\n');
      notes.forEach(n -> out.append("- ").append(n).append('\n'));
      return out.toString();
    }

    private static String fluxVersions() {
      return Command.run(Duration.ofSeconds(30), Map.of(), null, cluster.repo(), "bash",
          cluster.repo().resolve("e2e/bench.sh").toString(), "versions").output().strip().replace('\n', ',');
    }

    private static String readFirstLine(String file) {
      try {
        return Files.readAllLines(Path.of(file)).get(0);
      } catch (IOException e) {
        return "?";
      }
    }
  }
}
