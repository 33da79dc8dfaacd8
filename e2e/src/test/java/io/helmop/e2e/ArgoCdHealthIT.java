package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.Command;
import io.helmop.e2e.support.HelmReleases;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.OperatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Argo CD's health check for HelmReleases (argocd/helmop.io/HelmRelease/health.lua), run by a real Lua 5.1
 * interpreter as Argo CD runs it (Argo CD's gopher-lua implements Lua 5.1): on the committed fixtures of
 * health_test.yaml (Argo CD's own test layout), and on live HelmReleases that helmop brings into each state on
 * the local control plane.
 *
 * <p>{@code -Dhelmop.argocd.capture=true} rewrites testdata/ and health_test.yaml from the live objects (their
 * `kubectl get -o yaml`), after checking each verdict.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class ArgoCdHealthIT extends OperatorTest {
  static ChartRepository repository;
  private static final Path CHECK = LocalCluster.repoRoot().resolve("argocd/helmop.io/HelmRelease");
  private static final boolean CAPTURE = Boolean.getBoolean("helmop.argocd.capture");
  @TempDir
  static Path charts;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(new ChartRepository(cluster)
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0")
        .publish(chart("toggle", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}
            data: {broken: {{ .Values.broken | default false | quote }}}
            {{- if .Values.broken }}
            ---
            # pods that are never scheduled: the chart renders, lints and passes the dry run, and Helm's --wait
            # fails at the (short) timeout
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}-stuck
            spec:
              replicas: 1
              selector: {matchLabels: {app: {{ .Release.Name }}-stuck}}
              template:
                metadata: {labels: {app: {{ .Release.Name }}-stuck}}
                spec:
                  schedulingGates: [{name: helmop.io/never}]
                  containers: [{name: app, image: example.invalid/app:1}]
            {{- end }}
            """), "0.1.0", "1.0.0")
        .publish(chart("slow", """
            # a pod that is never scheduled: Helm's --wait waits for it until the timeout
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}
            spec:
              replicas: 1
              selector: {matchLabels: {app: {{ .Release.Name }}}}
              template:
                metadata: {labels: {app: {{ .Release.Name }}}}
                spec:
                  schedulingGates: [{name: helmop.io/never}]
                  containers: [{name: app, image: example.invalid/app:1}]
            """), "0.1.0", "1.0.0"));
  }

  @Test
  void committedFixturesGetTheirExpectedHealth() throws IOException {
    List<Map<String, Object>> tests = tests(Files.readString(CHECK.resolve("health_test.yaml")));
    assertThat(tests).hasSizeGreaterThanOrEqualTo(10);
    assertThat(tests).extracting(t -> health(t).get("status"))
        .contains("Healthy", "Progressing", "Degraded", "Suspended");
    for (Map<String, Object> test : tests) {
      String input = (String) test.get("inputPath");
      Map<String, String> verdict = Lua.health(CHECK.resolve("health.lua"),
          load(Files.readString(CHECK.resolve(input))));
      assertThat(verdict).as(input).isEqualTo(health(test));
    }
  }

  /**
   * Live HelmReleases in every state a user meets, each judged as Argo CD would judge it; with capture on,
   * they become the fixtures.
   */
  @Test
  void liveHelmReleasesGetTheHealthTheirStateMeans() throws IOException {
    String ns = namespace("argocd");
    String repo = repository.url();
    Map<String, Case> cases = new LinkedHashMap<>();
    // applied at once; each is captured when helmop has brought it into its state
    add(cases, new Case("healthy", "Healthy", HelmReleases.helmRelease(ns, "hello", repo, "0.1.x", ""),
        ready("True")));
    add(cases, new Case("progressing-installing", "Progressing", HelmReleases.helmRelease(ns, "slow", repo, "slow",
        "0.1.0", "upgrade: {timeout: 40s}\ninstall: {retries: 0}"), ready("Unknown")));
    add(cases, new Case("progressing-dependency-not-found", "Progressing", HelmReleases.helmRelease(ns, "app",
        repo, "0.1.x", "dependsOn: [{name: foundation}]"), reason("DependencyNotFound")));
    add(cases, new Case("degraded-chart-version-not-found", "Degraded", HelmReleases.helmRelease(ns, "unpublished",
        repo, "9.x", ""), reason("ChartVersionNotFound")));
    add(cases, new Case("progressing-dependency-not-ready", "Progressing", HelmReleases.helmRelease(ns, "frontend",
        repo, "0.1.x", "dependsOn: [{name: unpublished}]"), reason("DependencyNotReady")));
    add(cases, new Case("progressing-repository-unavailable", "Progressing", HelmReleases.helmRelease(ns,
        "unreachable", "http://127.0.0.1:9", "0.1.x", ""), reason("RepositoryUnavailable")));
    add(cases, new Case("degraded-install-failed", "Degraded", HelmReleases.helmRelease(ns, "broken", repo,
        "toggle", "0.1.0", "values: {broken: true}\ninstall: {retries: 100}\nupgrade: {timeout: 5s}"), reason("InstallFailed")));
    add(cases, new Case("degraded-retries-exhausted", "Degraded", HelmReleases.helmRelease(ns, "hopeless", repo,
        "toggle", "0.1.0", "values: {broken: true}\ninstall: {retries: 0}\nupgrade: {timeout: 5s}"), reason("RetriesExhausted")));
    add(cases, new Case("degraded-upgrade-failed", "Degraded", HelmReleases.helmRelease(ns, "fragile", repo,
        "toggle", "0.1.0", "upgrade: {retries: 100, timeout: 5s}"), ready("True")));
    add(cases, new Case("suspended", "Suspended", HelmReleases.helmRelease(ns, "paused", repo, "0.1.x", ""),
        ready("True")));
    for (Case c : cases.values()) {
      HelmReleases.apply(cluster, c.yaml());
    }

    Map<String, String> captured = new LinkedHashMap<>();
    for (Case c : List.of(cases.get("progressing-installing"), cases.get("healthy"),
        cases.get("progressing-dependency-not-found"), cases.get("degraded-chart-version-not-found"),
        cases.get("progressing-dependency-not-ready"), cases.get("progressing-repository-unavailable"),
        cases.get("degraded-install-failed"), cases.get("degraded-retries-exhausted"))) {
      captured.put(c.fixture(), awaitState(ns, c));
    }
    // from a healthy revision, an upgrade that fails (rolled back), and a suspension
    awaitState(ns, cases.get("degraded-upgrade-failed"));
    cluster.kubectl("patch", "helmrelease", "fragile", "-n", ns, "--type=merge", "-p",
        "{\"spec\":{\"values\":{\"broken\":true}}}").orFail();
    captured.put("degraded-upgrade-failed", awaitState(ns, new Case("degraded-upgrade-failed", "Degraded", "",
        reason("UpgradeFailed"))));
    awaitState(ns, cases.get("suspended"));
    cluster.kubectl("patch", "helmrelease", "paused", "-n", ns, "--type=merge", "-p",
        "{\"spec\":{\"suspend\":true}}").orFail();
    captured.put("suspended", awaitState(ns, new Case("suspended", "Suspended", "",
        r -> condition(r, "Reconciling").map(c -> "Suspended".equals(c.getReason())).orElse(false))));

    // A spec that helmop has not acted on yet: stop the operator, edit, look, start it again.
    operator.close();
    cluster.kubectl("patch", "helmrelease", "hello", "-n", ns, "--type=merge", "-p",
        "{\"spec\":{\"values\":{\"replicaCount\":2}}}").orFail();
    captured.put("progressing-new-generation", cluster.kubectl("get", "helmrelease", "hello", "-n", ns, "-o",
        "yaml").orFail().output());
    operator = OperatorProcess.shared(cluster); // started again

    Map<String, String> expected = new LinkedHashMap<>();
    cases.values().forEach(c -> expected.put(c.fixture(), c.health()));
    expected.put("progressing-new-generation", "Progressing");
    List<String> testsYaml = new ArrayList<>();
    for (var entry : captured.entrySet()) {
      Map<String, String> verdict = Lua.health(CHECK.resolve("health.lua"), load(entry.getValue()));
      assertThat(verdict.get("status")).as("%s: %s", entry.getKey(), verdict.get("message"))
          .isEqualTo(expected.get(entry.getKey()));
      testsYaml.add("""
          - healthStatus:
              status: %s
              message: %s
            inputPath: testdata/%s.yaml
          """.formatted(verdict.get("status"), quoted(verdict.get("message")), entry.getKey()));
      if (CAPTURE) {
        Files.writeString(CHECK.resolve("testdata/" + entry.getKey() + ".yaml"), entry.getValue());
      }
    }
    if (CAPTURE) {
      Files.writeString(CHECK.resolve("health_test.yaml"), "tests:\n" + String.join("", testsYaml));
    }
  }

  private record Case(String fixture, String health, String yaml, Predicate<HelmRelease> state) {}

  private static void add(Map<String, Case> cases, Case c) {
    cases.put(c.fixture(), c);
  }

  private static Predicate<HelmRelease> ready(String status) {
    return release -> condition(release, "Ready").map(c -> status.equals(c.getStatus())).orElse(false);
  }

  private static Predicate<HelmRelease> reason(String reason) {
    return release -> condition(release, "Ready").map(c -> reason.equals(c.getReason())).orElse(false);
  }

  /** The release's YAML, as `kubectl get -o yaml` prints it, once it is in the case's state. */
  private static String awaitState(String ns, Case c) {
    String name = c.fixture().equals("degraded-upgrade-failed") ? "fragile"
        : c.fixture().equals("suspended") ? "paused" : nameIn(c.yaml());
    String[] yaml = new String[1];
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      // judged on the very YAML that is kept: helmop may move on (a retry starts) a moment later
      yaml[0] = cluster.kubectl("get", "helmrelease", name, "-n", ns, "-o", "yaml").orFail().output();
      HelmRelease release = cluster.client().getKubernetesSerialization().unmarshal(yaml[0], HelmRelease.class);
      assertThat(release).as("%s: %s", c.fixture(),
          condition(release, "Ready").map(Condition::getMessage).orElse("no Ready")).matches(c.state());
    });
    return yaml[0];
  }

  private static String nameIn(String yaml) {
    return yaml.lines().filter(l -> l.startsWith("  name: ")).findFirst().orElseThrow().substring(8).strip();
  }

  private static Path chart(String name, String template) {
    try {
      Path dir = charts.resolve(name);
      Files.createDirectories(dir.resolve("templates"));
      Files.writeString(dir.resolve("Chart.yaml"), "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\n");
      Files.writeString(dir.resolve("templates/objects.yaml"), template);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> load(String yaml) {
    return cluster.client().getKubernetesSerialization().unmarshal(yaml, Map.class);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> tests(String yaml) {
    return (List<Map<String, Object>>) load(yaml).get("tests");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> health(Map<String, Object> test) {
    return (Map<String, String>) test.get("healthStatus");
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  /** The Lua 5.1 interpreter (Debian's lua5.1, installed when missing) running a health check. */
  static final class Lua {
    private static String interpreter;

    static synchronized String interpreter() {
      if (interpreter == null) {
        if (Command.run(Duration.ofSeconds(10), Map.of(), null, null, "sh", "-c", "command -v lua5.1")
            .exitCode() != 0) {
          install();
        }
        interpreter = Command.run(Duration.ofSeconds(10), Map.of(), null, null, "sh", "-c", "command -v lua5.1")
            .orFail().lastLine();
      }
      return interpreter;
    }

    /** apt-get install lua5.1 (the package lists refreshed first when they do not know it). */
    private static void install() {
      Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
      Command.Result result = Command.run(Duration.ofMinutes(5), env, null, null,
          "apt-get", "install", "-y", "-q", "lua5.1");
      if (result.exitCode() != 0) {
        Command.run(Duration.ofMinutes(5), env, null, null, "apt-get", "update", "-q").orFail();
        Command.run(Duration.ofMinutes(5), env, null, null, "apt-get", "install", "-y", "-q", "lua5.1").orFail();
      }
    }

    /** Runs the check with {@code obj} set to the object, as Argo CD does; returns its status and message. */
    static Map<String, String> health(Path check, Map<String, Object> object) {
      String script = "obj = " + literal(object) + "\n"
          + "local hs = dofile(" + literal(check.toString()) + ")\n"
          + "io.write(hs.status, \"\\n\", hs.message or \"\", \"\\n\")\n";
      Command.Result result = Command.run(Duration.ofSeconds(30), Map.of(), script, null, interpreter(), "-")
          .orFail();
      String[] lines = result.output().split("\n", -1);
      return Map.of("status", lines[0], "message", lines[1]);
    }

    /** A Lua literal of a YAML/JSON value: tables for maps and lists, strings, numbers, booleans. */
    @SuppressWarnings("unchecked")
    static String literal(Object value) {
      if (value instanceof Map<?, ?> map) {
        StringBuilder table = new StringBuilder("{");
        ((Map<String, Object>) map).forEach((k, v) -> {
          if (v != null) {
            table.append('[').append(literal(k)).append("]=").append(literal(v)).append(',');
          }
        });
        return table.append('}').toString();
      }
      if (value instanceof List<?> list) {
        StringBuilder table = new StringBuilder("{");
        list.forEach(v -> table.append(literal(v)).append(','));
        return table.append('}').toString();
      }
      if (value instanceof Number || value instanceof Boolean) {
        return value.toString();
      }
      StringBuilder text = new StringBuilder("\"");
      for (char ch : value.toString().toCharArray()) {
        if (ch == '"' || ch == '\\') {
          text.append('\\').append(ch);
        } else if (ch < 32 || ch == 127) {
          text.append(String.format("\\%03d", (int) ch)); // three digits: a digit after it is not read into it
        } else {
          text.append(ch);
        }
      }
      return text.append('"').toString();
    }
  }
}
