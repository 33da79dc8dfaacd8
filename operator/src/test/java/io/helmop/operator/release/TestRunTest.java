package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** TestSuccess is read from the test hooks' last runs that `helm test` leaves in the revision's record. */
class TestRunTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void namesTheFailedAndTheUnrunTestsAndIgnoresOtherHooks() throws Exception {
    TestRun run = TestRun.of(record("""
        [{"name": "web-migrate", "kind": "Job", "events": ["pre-upgrade"], "last_run": {"phase": "Failed"}},
         {"name": "web-smoke", "kind": "Job", "events": ["test"], "last_run": {"phase": "Failed"}},
         {"name": "web-connection", "kind": "Pod", "events": ["test-success"], "last_run": {"phase": "Succeeded"}},
         {"name": "web-later", "kind": "Pod", "events": ["test"], "last_run": {"phase": ""}}]"""));

    assertThat(run.tests()).containsExactly("Job/web-smoke", "Pod/web-connection", "Pod/web-later");
    assertThat(run.failed()).containsExactly("Job/web-smoke");
    assertThat(run.notRun()).containsExactly("Pod/web-later");
    assertThat(run.passed()).isFalse();
  }

  @Test
  void aChartWithoutTestsPasses() throws Exception {
    TestRun run = TestRun.of(record("[]"));

    assertThat(run.tests()).isEmpty();
    assertThat(run.passed()).isTrue();
  }

  static ReleaseRecord record(String hooks) throws Exception {
    JsonNode parsed = JSON.readTree(hooks);
    return new ReleaseRecord("web", "apps", 2, "deployed", "web", "1.0.0", "1", "", "", JSON.createObjectNode(), "",
        parsed);
  }
}
