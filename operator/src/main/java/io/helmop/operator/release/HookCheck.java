package io.helmop.operator.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed article's checklist item "the migration hook has an activeDeadlineSeconds limit", checked on the
 * hooks Helm recorded for a revision. Helm stops waiting for a hook after the release's timeout, but the Job
 * itself keeps running: without a deadline a hung migration outlives the failed upgrade and may overlap the
 * next one. helmop warns (Event, PolicyCompliant=False) and does not block: public charts often lack the
 * field, and Helm's timeout still bounds the release.
 */
public final class HookCheck {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private HookCheck() {}

  /** One sentence per hook Job without spec.activeDeadlineSeconds, naming it; empty when all are bounded. */
  public static List<String> unboundedJobs(ReleaseRecord record) {
    List<String> findings = new ArrayList<>();
    if (record.hooks() == null || !record.hooks().isArray()) {
      return findings;
    }
    for (JsonNode hook : record.hooks()) {
      if (!"Job".equals(hook.path("kind").asText())) {
        continue;
      }
      JsonNode job;
      try {
        job = YAML.readTree(hook.path("manifest").asText(""));
      } catch (IOException e) {
        continue; // Helm applied it, so it parsed; nothing to say about an unreadable copy
      }
      if (job == null || !job.path("spec").path("activeDeadlineSeconds").canConvertToLong()) {
        List<String> events = new ArrayList<>();
        hook.path("events").forEach(e -> events.add(e.asText()));
        findings.add("hook Job " + hook.path("name").asText() + " (" + String.join(",", events) + ", "
            + hook.path("path").asText() + ")");
      }
    }
    return findings;
  }

  public static String message(List<String> findings) {
    return "No spec.activeDeadlineSeconds on " + String.join("; ", findings) + ". If it hangs, Helm gives up "
        + "after spec.upgrade.timeout but the Job keeps running and may overlap the next upgrade. Add "
        + "activeDeadlineSeconds to the hook in the chart (the production checklist asks for it); helmop only "
        + "warns.";
  }
}
