package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.condition;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sources a tenant can point a HelmRelease at to hurt the operator or read what is not theirs: a repository that
 * sends headers and then nothing, a chart whose template prints a value from a Secret, a file:// Git URL, a
 * password in a repository URL. Each gets a condition naming the field, and nobody else is held up.
 */
class HostileSourcesIT extends OperatorTest {
  static ChartRepository repository;
  static StallingRepository stalling;

  @BeforeAll
  static void start() throws IOException {
    cluster = LocalCluster.get();
    Path leaky = chart("leaky", """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}
        data:
          password: {{ fail .Values.password }}
        """);
    // the API server's validation error quotes the invalid name: a value from a Secret
    Path leakyName = chart("leaky-name", """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Values.password }}
        data: {}
        """);
    repository = startOperator(helloChart().publish(leaky, "0.1.0", "1.0.0").publish(leakyName, "0.1.0", "1.0.0"));
    stalling = new StallingRepository();
  }

  @AfterAll
  static void stopStalling() throws IOException {
    stalling.close();
  }

  /** A chart folder with one template. */
  static Path chart(String name, String template) throws IOException {
    Path dir = Files.createTempDirectory(name + "-chart-");
    Files.writeString(dir.resolve("Chart.yaml"), "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\n");
    Files.createDirectories(dir.resolve("templates"));
    Files.writeString(dir.resolve("templates/configmap.yaml"), template);
    return dir;
  }

  /** A HelmRelease {@code name} of chart {@code name} whose values come from a Secret holding {@code password}. */
  static void releaseWithSecretPassword(String ns, String name, String password) {
    cluster.kubectlWithInput("""
        apiVersion: v1
        kind: Secret
        metadata: {name: %s-values}
        stringData:
          values.yaml: |
            password: %s
        """.formatted(name, password), "apply", "-n", ns, "-f", "-").orFail();
    apply(cluster, helmRelease(ns, name, repository.url(), name, "0.1.0", """
        valuesFrom:
        - {kind: Secret, name: %s-values}""".formatted(name)));
  }

  @Test
  void tenStalledRepositoriesHoldNoOneBackAndEndInATimeout() {
    String stalled = namespace("stalled");
    String healthy = namespace("healthy");
    Instant baselineApplied = Instant.now();
    apply(cluster, helmRelease(healthy, "baseline", repository.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/baseline", "-n", healthy, "--timeout=180s")
        .orFail();
    System.out.printf("baseline: a release Ready %d ms after it was applied, nothing stalled%n",
        Duration.between(baselineApplied, Instant.now()).toMillis());

    for (int i = 0; i < 10; i++) {
      // a repository each (a path of its own): ten fetches, not one shared
      apply(cluster, helmRelease(stalled, "stalled-" + i, stalling.url() + "/team-" + i, "0.1.0", ""));
    }
    // every stalled release has had its reconcile (and its fetch has begun) before the healthy one comes
    await().atMost(Duration.ofMinutes(1)).until(() -> IntStream.range(0, 10).allMatch(i ->
        condition(get(cluster, stalled, "stalled-" + i), "Ready").map(c -> Set.of("SourceFetching", "SourceTimeout")
            .contains(c.getReason())).orElse(false)));
    System.out.printf("connections held open by the stalling repository: %d%n", stalling.connections());

    Instant applied = Instant.now();
    apply(cluster, helmRelease(healthy, "web", repository.url(), "0.1.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/web", "-n", healthy, "--timeout=180s").orFail();
    System.out.printf("healthy release Ready %d ms after it was applied, with ten stalled releases%n",
        Duration.between(applied, Instant.now()).toMillis());

    Condition timeout = awaitReadyFalse(stalled, "stalled-0", "SourceTimeout");
    assertThat(timeout.getMessage()).contains(stalling.url() + "/team-0/index.yaml", "sent nothing for 30s",
        "--source-read-timeout", "spec.chart.repository");
    assertThat(condition(get(cluster, stalled, "stalled-0"), "Stalled").orElseThrow().getStatus())
        .as("retried, not stalled").isEqualTo("False");
    assertThat(cluster.helm("list", "-n", stalled, "-q").orFail().output()).isBlank();

    Instant deleting = Instant.now();
    cluster.kubectl("delete", "helmrelease", "--all", "-n", stalled, "--wait=true", "--timeout=120s").orFail();
    System.out.printf("ten stalled releases deleted in %d ms%n", Duration.between(deleting, Instant.now()).toMillis());
    assertThat(cluster.kubectl("get", "helmrelease", "-n", stalled, "-o", "name").orFail().output()).isBlank();
  }

  @Test
  void aSecretValueQuotedByHelmsOwnErrorIsRedactedEverywhere() {
    String ns = namespace("leaky");
    String secret = "Pa55-from-a-Secret-91c4";
    releaseWithSecretPassword(ns, "leaky", secret);

    Condition ready = awaitReadyFalse(ns, "leaky", "RenderFailed");
    assertThat(ready.getMessage()).contains("leaky", "[redacted]").doesNotContain(secret);
    awaitEvents(ns, "leaky", "RenderFailed");
    assertShownNowhere(ns, secret, "RenderFailed");
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).isBlank();
  }

  @Test
  void aSecretValueQuotedByTheApiServersValidationIsRedactedEverywhere() {
    String ns = namespace("leakyname");
    String secret = "Not-A-DNS-Name-From-A-Secret-77b1";
    releaseWithSecretPassword(ns, "leaky-name", secret);

    await().atMost(Duration.ofMinutes(1)).until(() -> condition(get(cluster, ns, "leaky-name"), "Ready")
        .map(c -> "False".equals(c.getStatus()) && c.getMessage().contains("[redacted]")).orElse(false));
    Condition ready = condition(get(cluster, ns, "leaky-name"), "Ready").orElseThrow();
    System.out.printf("the API server's refusal as the condition shows it: %s: %s%n", ready.getReason(),
        ready.getMessage());
    awaitEvents(ns, "leaky-name", ready.getReason());
    assertShownNowhere(ns, secret, ready.getReason());
    assertThat(cluster.helm("list", "-n", ns, "-q").orFail().output()).isBlank();
  }

  @Test
  void aGitUrlOnTheOperatorsDiskIsRefused() {
    String ns = namespace("localgit");
    for (String url : List.of("file:///tmp/helmop/git/mirror", "/tmp/helmop/git/mirror")) {
      String name = url.startsWith("file") ? "file-url" : "local-path";
      apply(cluster, """
          apiVersion: helmop.io/v1alpha1
          kind: HelmRelease
          metadata: {name: %s, namespace: %s}
          spec:
            chart:
              git: {url: "%s", path: charts/hello}
          """.formatted(name, ns, url));
      Condition ready = awaitReadyFalse(ns, name, "InvalidSpec");
      assertThat(ready.getMessage()).contains("spec.chart.git.url", url, "https://", "ssh://");
      assertThat(condition(get(cluster, ns, name), "Stalled").orElseThrow().getStatus()).isEqualTo("True");
    }
  }

  @Test
  void aPasswordInARepositoryUrlIsRefusedAndShownNowhere() {
    String ns = namespace("userinfo");
    String password = "url-Passw0rd-e81d";
    String url = repository.url().replace("://", "://reader:" + password + "@");
    apply(cluster, helmRelease(ns, "web", url, "0.1.0", ""));

    Condition ready = awaitReadyFalse(ns, "web", "InvalidSpec");
    assertThat(ready.getMessage()).contains("spec.chart.repository", "spec.chart.secretRef", "***@")
        .doesNotContain(password);
    awaitEvents(ns, "web", "InvalidSpec");
    // the HelmRelease itself holds it, as the tenant wrote it: the rest of what a user sees must not
    assertThat(cluster.kubectl("get", "events", "-n", ns, "-o", "yaml").orFail().output()).doesNotContain(password);
    assertThat(operator.log()).doesNotContain(password);
    assertThat(ready.getMessage()).doesNotContain(password);
  }

  /** Answers every request with a 200 and a Content-Length, and then never sends the body. */
  static final class StallingRepository implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    StallingRepository() throws IOException {
      server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket socket = server.accept();
            held.add(socket);
            Thread answer = new Thread(() -> answer(socket));
            answer.setDaemon(true);
            answer.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "stalling-repository");
      accept.setDaemon(true);
      accept.start();
    }

    private static void answer(Socket socket) {
      try {
        InputStream in = socket.getInputStream();
        int matched = 0;
        while (matched < 4) { // the request, up to its empty line
          int b = in.read();
          if (b < 0) {
            return;
          }
          matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
        }
        socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Type: text/yaml\r\nContent-Length: 1048576\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
      } catch (IOException ignored) {
        // the operator gave up
      }
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    int connections() {
      return held.size();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : held) {
        socket.close();
      }
    }
  }
}
