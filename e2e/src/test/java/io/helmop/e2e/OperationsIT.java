package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorProcess;
import io.helmop.e2e.support.OperatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator jar as a platform team runs it: /healthz, /readyz and /metrics on ports of their own, whose numbers
 * move as releases are installed, drift and wait; Events that count instead of piling up; JSON logs naming the
 * release on every line of its reconcile, with no stack trace for a repository that is down.
 */
@org.junit.jupiter.api.parallel.Isolated // an operator of its own, or it stops the shared one
class OperationsIT extends OperatorTest {
  static ChartRepository repository;

  /** Its own operator: its namespaces go while it runs (so releases are uninstalled), then it stops. */
  @org.junit.jupiter.api.AfterAll
  static void stopOwnOperator() throws Exception {
    io.helmop.e2e.support.TestNamespaces.deleteAll(cluster, OperationsIT.class);
    operator.close();
    repository.close();
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static int healthPort;
  private static int metricsPort;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = new ChartRepository(cluster).publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0",
        "1.0.0");
    healthPort = freePort();
    metricsPort = freePort();
    String leaseNamespace = namespace("ops-lease");
    operator = OperatorProcess.start(cluster, Map.of("HELMOP_LOG_FORMAT", "json"),
        "--health-address", "127.0.0.1:" + healthPort, "--metrics-address", "127.0.0.1:" + metricsPort,
        "--lease-namespace", leaseNamespace); // a Lease of its own: it leads at once
    // Ready once the informers have synced; the Lease (its own, free) follows a moment later
    await().atMost(Duration.ofMinutes(1)).ignoreExceptions()
        .until(() -> http(healthPort, "/readyz").body().startsWith("ok: leader"));
  }

  @Test
  void probesSayTheProcessWorksAndTheLeaderIsReady() {
    assertThat(http(healthPort, "/healthz")).extracting(HttpResponse::statusCode, HttpResponse::body)
        .containsExactly(200, "ok\n");
    assertThat(http(healthPort, "/readyz").body()).startsWith("ok: leader (Lease ");
    assertThat(http(metricsPort, "/healthz").statusCode()).as("/metrics has a port of its own").isEqualTo(404);
    assertThat(metric(scrape(), "helmop_leader")).isEqualTo(1.0);
  }

  @Test
  void metricsMoveAsAReleaseIsInstalledDriftsAndWaits() {
    String ns = namespace("metrics");
    String before = scrape();
    String installed = "helmop_helm_action_seconds_count{action=\"install\",result=\"success\"}";
    String started = "operator_sdk_reconciliations_started_total";

    apply(cluster, helmRelease(ns, "web", repository.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", ns, "--timeout=180s").orFail();
    await().atMost(Duration.ofSeconds(30)).until(() -> hasCondition(get(cluster, ns, "web"), "Drifted", "False"));

    String after = scrape();
    assertThat(metric(after, installed)).isEqualTo(metric(before, installed) + 1);
    assertThat(metric(after, "helmop_helm_action_seconds_count{action=\"template\",result=\"success\"}"))
        .isGreaterThan(metric(before, "helmop_helm_action_seconds_count{action=\"template\",result=\"success\"}"));
    assertThat(metric(after, "helmop_releases{condition=\"Ready\",status=\"True\"}"))
        .isGreaterThan(metric(before, "helmop_releases{condition=\"Ready\",status=\"True\"}"));
    assertThat(metric(after, "helmop_watched_releases")).isGreaterThanOrEqualTo(1.0);
    assertThat(metricSum(after, started)).as("JOSDK's reconcile metrics").isGreaterThan(metricSum(before, started));
    assertThat(after).contains("operator_sdk_controllers_execution_reconcile_seconds_count",
        "helmop_reconcile_queue_depth", "helmop_helm_processes_busy 0.0", "process_resident_memory_bytes");

    // three kubectl edits, three corrections: the counters move, and the Events count instead of piling up
    double corrected = metric(after, "helmop_drift_corrected_total");
    for (int edit = 1; edit <= 3; edit++) {
      cluster.kubectl("scale", "deployment/web", "-n", ns, "--replicas=3").orFail();
      double expected = corrected + edit;
      await().atMost(Duration.ofSeconds(30)).until(() -> metric(scrape(), "helmop_drift_corrected_total") >= expected
          && "1".equals(cluster.kubectl("get", "deployment/web", "-n", ns, "-o", "jsonpath={.spec.replicas}")
              .orFail().output().strip()));
    }
    assertThat(metric(scrape(), "helmop_drift_detected_total"))
        .isGreaterThan(metric(after, "helmop_drift_detected_total"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events(ns, "web"))
        .filteredOn(e -> e.getReason().equals("DriftCorrected")).singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(3)));
    String shown = cluster.kubectl("events", "-n", ns, "--for", "helmrelease/web").orFail().output();
    System.out.println("kubectl events --for helmrelease/web after three corrections:\n" + shown);
    assertThat(shown.lines().filter(line -> line.contains("DriftCorrected"))).singleElement().asString()
        .contains("(x3 over");
    assertThat(events(ns, "web")).as("one Event per type, reason and message")
        .extracting(e -> e.getType() + " " + e.getReason() + " " + e.getMessage()).doesNotHaveDuplicates();

    // a dependency that does not exist: the release waits, and the wait is counted
    double waits = metric(scrape(), "helmop_dependency_waits_total");
    apply(cluster, helmRelease(ns, "app", repository.url(), "0.1.0", "dependsOn: [{name: foundation}]"));
    await().atMost(Duration.ofSeconds(30)).until(() -> metric(scrape(), "helmop_dependency_waits_total") > waits
        && metric(scrape(), "helmop_releases_waiting_for_dependencies") >= 1.0);
  }

  @Test
  void jsonLogsNameTheReleaseOnEveryReconcileLineAndARepositoryThatIsDownHasNoStackTrace() {
    String ns = namespace("logs");
    apply(cluster, helmRelease(ns, "offline", "http://127.0.0.1:" + freePort(), "0.1.0", ""));
    awaitReadyFalse(ns, "offline", "RepositoryUnavailable");
    String failed = "operator_sdk_reconciliations_failed_total";
    double failures = metricSum(scrape(), failed);
    await().atMost(Duration.ofSeconds(30)).until(() -> metricSum(scrape(), failed) >= failures + 2); // retried

    List<JsonNode> lines = operator.log().lines().filter(line -> line.startsWith("{")).map(OperationsIT::parse)
        .toList();
    assertThat(lines).as("every line is JSON").hasSize((int) operator.log().lines().filter(l -> !l.isBlank()).count());
    List<JsonNode> offline = lines.stream()
        .filter(line -> ns.equals(line.path("mdc").path("resource.namespace").asText())).toList();
    assertThat(offline).anySatisfy(line -> {
      assertThat(line.path("level").asText()).isEqualTo("WARN");
      assertThat(line.path("formattedMessage").asText()).startsWith("RepositoryUnavailable: ");
    });
    assertThat(offline).allSatisfy(line -> {
      assertThat(line.path("mdc").path("resource.name").asText()).isEqualTo("offline");
      assertThat(line.path("throwable").isMissingNode() || line.path("throwable").isNull())
          .as("no stack trace for an expected failure: %s", line).isTrue();
    });
    assertThat(operator.log()).doesNotContain("ReconcileFailure", "Uncaught error during event processing");
    assertThat(lines).filteredOn(line -> line.path("loggerName").asText().startsWith("io.helmop.operator.reconcile"))
        .isNotEmpty()
        .allSatisfy(line -> assertThat(line.path("mdc").path("resource.name").asText()).as("%s", line).isNotEmpty());
  }

  private static String scrape() {
    HttpResponse<String> response = http(metricsPort, "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The value of one series (name and labels as Prometheus prints them), 0 when it is not there yet. */
  static double metric(String scraped, String series) {
    return scraped.lines().filter(line -> line.startsWith(series + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(series.length() + 1).strip())).orElse(0.0);
  }

  /** The sum of every series of a metric, whatever their labels. */
  static double metricSum(String scraped, String name) {
    Pattern series = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$");
    return scraped.lines().map(series::matcher).filter(Matcher::matches)
        .mapToDouble(m -> Double.parseDouble(m.group(2))).sum();
  }

  static HttpResponse<String> http(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }

}
