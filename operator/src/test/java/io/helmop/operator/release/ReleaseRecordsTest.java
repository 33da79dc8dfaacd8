package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ReleaseRecordsTest {

  /** Helm stores base64(gzip(json)); the API adds its own base64 on top. */
  static Secret helmSecret(String json) throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (var out = new GZIPOutputStream(gz)) {
      out.write(json.getBytes(StandardCharsets.UTF_8));
    }
    String helmEncoded = Base64.getEncoder().encodeToString(gz.toByteArray());
    String apiEncoded = Base64.getEncoder().encodeToString(helmEncoded.getBytes(StandardCharsets.UTF_8));
    return new SecretBuilder().withNewMetadata().withName("sh.helm.release.v1.web.v3").endMetadata()
        .withType("helm.sh/release.v1").addToData("release", apiEncoded).build();
  }

  /** Helm's Secret for one revision, named and labelled as Helm's storage driver does. */
  static Secret storedRevision(String release, int revision, String status) throws Exception {
    Secret secret = helmSecret("{\"name\":\"" + release + "\",\"namespace\":\"apps\",\"version\":" + revision
        + ",\"info\":{\"status\":\"" + status + "\"}}");
    secret.getMetadata().setName("sh.helm.release.v1." + release + ".v" + revision);
    secret.getMetadata().setNamespace("apps");
    secret.getMetadata().setLabels(Map.of("owner", "helm", "name", release, "status", status,
        "version", String.valueOf(revision)));
    return secret;
  }

  /** The revisions of a release that Helm's storage still holds, oldest first. */
  static List<Integer> storedRevisions(KubernetesClient client, String release) {
    return client.secrets().inNamespace("apps").withLabels(Map.of("owner", "helm", "name", release)).list()
        .getItems().stream().map(s -> Integer.parseInt(s.getMetadata().getLabels().get("version"))).sorted()
        .toList();
  }

  @Test
  void pruningToMaxHistoryKeepsTheDeployedRevisionEvenWhenItIsTheOldest() throws Exception {
    var server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    try (KubernetesClient client = server.createClient()) {
      // revision 1 serves; the 11 upgrades after it all failed (Helm's atomic mode rolled each one back)
      client.resource(storedRevision("web", 1, "deployed")).create();
      for (int revision = 2; revision <= 12; revision++) {
        client.resource(storedRevision("web", revision, "failed")).create();
      }
      client.resource(storedRevision("api", 1, "superseded")).create();
      client.resource(storedRevision("api", 2, "deployed")).create();

      new ReleaseRecords(client).prune("apps", "web", 3);

      // the deployed revision is kept besides the newest 3 (Helm's --history-max would count it among them)
      assertThat(storedRevisions(client, "web")).as("the deployed revision and the 3 newest")
          .containsExactly(1, 10, 11, 12);
      assertThat(new ReleaseRecords(client).history("apps", "web")).filteredOn(ReleaseRecord::isDeployed)
          .extracting(ReleaseRecord::revision).containsExactly(1);
      assertThat(storedRevisions(client, "api")).as("another release's records").containsExactly(1, 2);
    } finally {
      server.destroy();
    }
  }

  @Test
  void aRecordThatUnpacksToGigabytesIsUnreadableNotAFullHeap() throws Exception {
    // 1 GiB of one JSON string, about 1 MiB gzipped: what anyone who may write Secrets in the namespace can store
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (var out = new GZIPOutputStream(gz)) {
      out.write("{\"name\":\"web\",\"config\":\"".getBytes(StandardCharsets.UTF_8));
      byte[] a = new byte[1 << 20];
      java.util.Arrays.fill(a, (byte) 'a');
      for (int i = 0; i < 1024; i++) {
        out.write(a);
      }
      out.write("\"}".getBytes(StandardCharsets.UTF_8));
    }
    String helmEncoded = Base64.getEncoder().encodeToString(gz.toByteArray());
    Secret bomb = new SecretBuilder().withNewMetadata().withName("sh.helm.release.v1.web.v9").endMetadata()
        .addToData("release", Base64.getEncoder().encodeToString(helmEncoded.getBytes(StandardCharsets.UTF_8)))
        .build();
    System.out.printf("release record bomb: %d bytes gzipped, 1 GiB unpacked%n", gz.size());

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReleaseRecords.decodeJson(bomb))
        .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("sh.helm.release.v1.web.v9");
  }

  /**
   * Helm stores the whole chart in the record; files that compress well (here 120 MiB of them) fit Helm's 1 MiB.
   * The history skips them instead of holding them, and a bomb in what it keeps (the values) is still refused.
   */
  @Test
  void theHistoryReadsARecordWithHugeChartFilesAndRefusesABombInWhatItKeeps() throws Exception {
    Secret bigChart = gzippedRecord("{\"name\":\"web\",\"version\":1,\"info\":{\"status\":\"deployed\"},"
        + "\"chart\":{\"metadata\":{\"name\":\"big\",\"version\":\"1.0.0\"},\"files\":[{\"name\":\"f\",\"data\":\"",
        120, "\"}]},\"config\":{\"message\":\"hi\"}}");
    ReleaseRecord record = ReleaseRecords.decode(bigChart);
    assertThat(record.chart()).isEqualTo("big-1.0.0");
    assertThat(record.isDeployed()).isTrue();
    assertThat(record.config().path("message").asText()).isEqualTo("hi");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReleaseRecords.decode(withManyValues()))
        .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("sh.helm.release.v1.web.v2");
  }

  /** A record of {@code mebibytes} MiB of 'a' between a head and a tail, gzipped as Helm stores it. */
  private static Secret gzippedRecord(String head, int mebibytes, String tail) throws Exception {
    var gz = new java.io.ByteArrayOutputStream();
    try (var out = new GZIPOutputStream(gz)) {
      out.write(head.getBytes(StandardCharsets.UTF_8));
      byte[] a = new byte[1 << 20];
      java.util.Arrays.fill(a, (byte) 'a');
      for (int i = 0; i < mebibytes; i++) {
        out.write(a);
      }
      out.write(tail.getBytes(StandardCharsets.UTF_8));
    }
    String helmEncoded = Base64.getEncoder().encodeToString(gz.toByteArray());
    return new SecretBuilder().withNewMetadata().withName("sh.helm.release.v1.web.v1").endMetadata()
        .addToData("release", Base64.getEncoder().encodeToString(helmEncoded.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  /** Values of 80 MiB in many small strings: more than the history keeps of a record. */
  private static Secret withManyValues() throws Exception {
    var gz = new java.io.ByteArrayOutputStream();
    try (var out = new GZIPOutputStream(gz)) {
      out.write("{\"name\":\"web\",\"config\":[".getBytes(StandardCharsets.UTF_8));
      byte[] item = "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",".getBytes(StandardCharsets.UTF_8);
      for (long written = 0; written < 80L * 1024 * 1024; written += item.length) {
        out.write(item);
      }
      out.write("\"end\"]}".getBytes(StandardCharsets.UTF_8));
    }
    String helmEncoded = Base64.getEncoder().encodeToString(gz.toByteArray());
    return new SecretBuilder().withNewMetadata().withName("sh.helm.release.v1.web.v2").endMetadata()
        .addToData("release", Base64.getEncoder().encodeToString(helmEncoded.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  @Test
  void encodingIsTheInverseOfDecoding() throws Exception {
    Secret secret = helmSecret("{\"name\":\"web\",\"version\":2,\"info\":{\"status\":\"pending-upgrade\"}}");
    var json = ReleaseRecords.decodeJson(secret);
    secret.getData().put("release", ReleaseRecords.encode(json));
    assertThat(ReleaseRecords.decode(secret).isPending()).isTrue();
    assertThat(ReleaseRecords.decodeJson(secret)).isEqualTo(json);
  }

  @Test
  void decodesHelmsReleaseRecord() throws Exception {
    ReleaseRecord record = ReleaseRecords.decode(helmSecret("""
        {"name":"web","namespace":"apps","version":3,
         "info":{"status":"deployed","last_deployed":"2026-11-24T10:00:00Z","description":"Upgrade complete"},
         "chart":{"metadata":{"name":"hello","version":"0.2.0","appVersion":"2.0.0"}},
         "config":{"message":"hi"},
         "manifest":"---\\nkind: ConfigMap\\n"}"""));

    assertThat(record.revision()).isEqualTo(3);
    assertThat(record.isDeployed()).isTrue();
    assertThat(record.chart()).isEqualTo("hello-0.2.0");
    assertThat(record.appVersion()).isEqualTo("2.0.0");
    assertThat(record.lastDeployed()).isEqualTo("2026-11-24T10:00:00Z");
    assertThat(record.config().path("message").asText()).isEqualTo("hi");
    assertThat(record.manifest()).contains("kind: ConfigMap");
  }
}
