package io.helmop.operator.release;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What `helm test` left in a revision's record: Helm stores each test hook's last run (phase Succeeded, Failed,
 * Running) with the revision, so the outcome survives a restart and can be read without asking Helm.
 *
 * @param tests the names of the revision's test hooks ("Kind/name")
 * @param failed those whose last run failed
 * @param notRun those that have not run (tests were off when the revision was made, or a run was cut short)
 */
public record TestRun(List<String> tests, List<String> failed, List<String> notRun) {

  public static TestRun of(ReleaseRecord record) {
    List<String> tests = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    for (JsonNode hook : record.hooks()) {
      if (!isTest(hook)) {
        continue;
      }
      String name = hook.path("kind").asText() + "/" + hook.path("name").asText();
      tests.add(name);
      String phase = hook.path("last_run").path("phase").asText("");
      if ("Failed".equals(phase)) {
        failed.add(name);
      } else if (!"Succeeded".equals(phase)) {
        notRun.add(name);
      }
    }
    return new TestRun(List.copyOf(tests), List.copyOf(failed), List.copyOf(notRun));
  }

  /** Helm 3 calls the event "test"; charts written for Helm 2 still say "test-success". */
  private static boolean isTest(JsonNode hook) {
    for (JsonNode event : hook.path("events")) {
      if ("test".equals(event.asText()) || "test-success".equals(event.asText())) {
        return true;
      }
    }
    return false;
  }

  public boolean passed() {
    return failed.isEmpty() && notRun.isEmpty();
  }
}
