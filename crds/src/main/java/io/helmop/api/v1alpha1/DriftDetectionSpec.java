package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.List;

/** Whether helmop watches the release's objects for live edits, and whether it undoes them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftDetectionSpec {
  public enum Mode { Enabled, Warn, Disabled }

  @JsonPropertyDescription("Enabled: report drift (condition Drifted, status.drift, Events) and undo it at once by "
      + "re-applying the release's objects, without a new Helm revision. Warn: report only. Disabled: neither.")
  @Default("Enabled")
  private Mode mode = Mode.Enabled;

  @JsonPropertyDescription("Fields helmop neither reports nor reverts, e.g. /spec/replicas of a Deployment that a "
      + "HorizontalPodAutoscaler scales. An object annotated helmop.io/drift-detection=disabled is skipped whole.")
  private List<DriftIgnoreRule> ignore;

  @JsonPropertyDescription("Whose edits are drift: field managers (metadata.managedFields[].manager of the live "
      + "object; a trailing * matches any ending) whose writes to fields the chart sets helmop reports and undoes. "
      + "Fields another writer changed or added (a controller such as cert-manager's cainjector filling in a "
      + "caBundle, an autoscaler setting replicas) are left to it. Default: [\"kubectl*\", \"k9s\"] (kubectl edit, "
      + "patch, apply, set, scale, label...). [\"*\"]: every writer's edits are drift. A field the chart sets that "
      + "is missing live is always drift.")
  private List<String> fieldManagers;

  public Mode getMode() { return mode; }
  public void setMode(Mode mode) { this.mode = mode; }
  public List<DriftIgnoreRule> getIgnore() { return ignore; }
  public void setIgnore(List<DriftIgnoreRule> ignore) { this.ignore = ignore; }
  public List<String> getFieldManagers() { return fieldManagers; }
  public void setFieldManagers(List<String> fieldManagers) { this.fieldManagers = fieldManagers; }
}
