package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Values kept in a ConfigMap or Secret of the HelmRelease's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ValuesReference {
  @JsonPropertyDescription("ConfigMap or Secret. Keep secret values in Secrets: helmop never writes their "
      + "contents to status, events or logs.")
  @Required
  @Pattern("^(ConfigMap|Secret)$")
  private String kind;

  @JsonPropertyDescription("Name of the ConfigMap or Secret, in the HelmRelease's own namespace.")
  @Required
  private String name;

  @JsonPropertyDescription("The key holding the values. Without targetPath it must hold a YAML map of values.")
  @Default("values.yaml")
  private String valuesKey = "values.yaml";

  @JsonPropertyDescription("When set, the key's whole content becomes the single value at this dotted path "
      + "(e.g. database.password), as `helm --set-string` would set it.")
  private String targetPath;

  @JsonPropertyDescription("When true, a missing object or key is skipped instead of blocking the release.")
  @Default("false")
  private Boolean optional = false;

  public String getKind() { return kind; }
  public void setKind(String kind) { this.kind = kind; }
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getValuesKey() { return valuesKey; }
  public void setValuesKey(String valuesKey) { this.valuesKey = valuesKey; }
  public String getTargetPath() { return targetPath; }
  public void setTargetPath(String targetPath) { this.targetPath = targetPath; }
  public Boolean getOptional() { return optional; }
  public void setOptional(Boolean optional) { this.optional = optional; }
}
