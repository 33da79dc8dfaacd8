package io.helmop.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.operator.config.ListenAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The probe and metrics endpoints, on free ports of 127.0.0.1. */
class ManagementServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void probesAnswer200WhenOkAnd503WithTheReasonOtherwise() throws Exception {
    AtomicBoolean synced = new AtomicBoolean();
    ListenAddress any = ListenAddress.parse("--health-address", "127.0.0.1:0");
    try (var server = ManagementServer.start(any, ListenAddress.parse("--metrics-address", "127.0.0.1:0"),
        () -> new ManagementServer.Check(true, "ok"),
        () -> synced.get() ? new ManagementServer.Check(true, "ok: standby")
            : new ManagementServer.Check(false, "starting: the informers have not synced yet"),
        () -> "helmop_leader 1.0\n")) {
      int health = server.address("/healthz").orElseThrow().getPort();
      int metrics = server.address("/metrics").orElseThrow().getPort();
      assertThat(health).isEqualTo(server.address("/readyz").orElseThrow().getPort()).isNotEqualTo(metrics);

      assertThat(get(health, "/healthz")).extracting(HttpResponse::statusCode, HttpResponse::body)
          .containsExactly(200, "ok\n");
      assertThat(get(health, "/readyz")).extracting(HttpResponse::statusCode, HttpResponse::body)
          .containsExactly(503, "starting: the informers have not synced yet\n");
      synced.set(true);
      assertThat(get(health, "/readyz")).extracting(HttpResponse::statusCode, HttpResponse::body)
          .containsExactly(200, "ok: standby\n");
      HttpResponse<String> scrape = get(metrics, "/metrics");
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
      assertThat(scrape.body()).isEqualTo("helmop_leader 1.0\n");
      assertThat(get(metrics, "/healthz").statusCode()).as("only /metrics on the metrics port").isEqualTo(404);
    }
  }

  @Test
  void theSameAddressServesAllThreeEndpoints() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      free.close();
      ListenAddress one = ListenAddress.parse("--health-address", "127.0.0.1:" + free.getLocalPort());
      try (var server = ManagementServer.start(one, one, () -> new ManagementServer.Check(true, "ok"),
          () -> new ManagementServer.Check(true, "ok"), () -> "up 1.0\n")) {
        assertThat(get(free.getLocalPort(), "/metrics").body()).isEqualTo("up 1.0\n");
        assertThat(get(free.getLocalPort(), "/healthz").statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void aPortAlreadyTakenLeavesTheOperatorRunningWithoutThatEndpoint() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      ListenAddress busy = ListenAddress.parse("--metrics-address", "127.0.0.1:" + taken.getLocalPort());
      try (var server = ManagementServer.start(ListenAddress.parse("--health-address", "127.0.0.1:0"), busy,
          () -> new ManagementServer.Check(true, "ok"), () -> new ManagementServer.Check(true, "ok"),
          () -> "")) {
        assertThat(server.address("/metrics")).isEmpty();
        assertThat(get(server.address("/healthz").orElseThrow().getPort(), "/healthz").statusCode()).isEqualTo(200);
      }
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
