package io.helmop.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Helm's messages as the preflight reports them, the values they quote left out. */
class HelmMessagesTest {
  /** What helm-java 0.0.21 (Helm 3.21) says for a values.schema.json violation. */
  static final String SCHEMA_FAILURE = """
      values don't meet the specifications of the schema(s) in the following chart(s):
      payment-service:
      - at '/database/password': 'Sup3rS3cret!' does not match pattern '^[a-z]+$'
      - at '/replicaCount': got string, want integer
      - at '/pin': minimum: got 3, want 1000
      """;

  @Test
  void schemaViolationsNameThePathAndNeverTheValue() {
    assertThat(HelmMessages.isSchemaFailure(SCHEMA_FAILURE)).isTrue();
    assertThat(HelmMessages.schemaViolations(SCHEMA_FAILURE)).containsExactly(
        "payment-service: at '/database/password': the value does not match pattern '^[a-z]+$'",
        "payment-service: at '/replicaCount': got string, want integer",
        "payment-service: at '/pin': minimum: got a value, want 1000");
    assertThat(HelmMessages.isSchemaFailure("template: x/templates/a.yaml:3:4: nil pointer")).isFalse();
  }

  @Test
  void lintFailsOnErrorsOnly() {
    assertThat(HelmMessages.lintErrors(List.of("[INFO] Chart.yaml: icon is recommended",
        "[WARNING] templates/: the namespace is set", "[ERROR] templates/: parse error at (x/templates/a.yaml:3)")))
        .containsExactly("templates/: parse error at (x/templates/a.yaml:3)");
  }
}
