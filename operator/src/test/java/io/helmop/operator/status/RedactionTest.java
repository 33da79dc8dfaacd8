package io.helmop.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {
  final Redaction redaction = new Redaction();

  @Test
  void rememberedSecretsLeaveNoTraceInAMessageShortOnesStay() {
    redaction.remember("values of ns/app", Redaction.leaves(Map.of("db", Map.of("password", "hunter2-long",
        "port", 5432, "pin", "123"), "tls", List.of("-----BEGIN KEY-----\nAbCdEfGh\n-----END KEY-----"))));

    assertThat(redaction.scrub("execution error at (app/templates/x.yaml:3): hunter2-long"))
        .isEqualTo("execution error at (app/templates/x.yaml:3): [redacted]");
    assertThat(redaction.scrub("port 5432 refused")).isEqualTo("port [redacted] refused");
    // too short to scrub safely: "123" is in countless messages
    assertThat(redaction.scrub("pin 123")).isEqualTo("pin 123");
    // one line of a multi-line secret, as an error would quote it
    assertThat(redaction.scrub("bad key AbCdEfGh")).isEqualTo("bad key [redacted]");
  }

  @Test
  void theQuotedFormAnApiServerUsesIsScrubbedToo() {
    redaction.remember("values of ns/app", List.of("pa\"ss\\word"));
    assertThat(redaction.scrub("Invalid value: \"pa\\\"ss\\\\word\": must be a number"))
        .isEqualTo("Invalid value: \"[redacted]\": must be a number");
  }

  @Test
  void conditionsAndEventsGoOutScrubbed() {
    redaction.remember("credentials of ns/app", List.of("topsecret-token"));
    var release = new io.helmop.api.v1alpha1.HelmRelease();
    release.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("app").withNamespace("ns")
        .withGeneration(1L).build());
    var status = new StatusFactory(java.time.Clock.systemUTC(), "test", redaction).failed(release,
        io.helmop.operator.ReconcileFailure.stalled(Reasons.RENDER_FAILED, "fail: topsecret-token"), false);
    assertThat(status.getConditions()).isNotEmpty().allSatisfy(c ->
        assertThat(c.getMessage()).isEqualTo("fail: [redacted]"));
  }
}
