package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
