package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** One object of the release that differs from the release's manifest. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftedObject {
  @JsonPropertyDescription("apiVersion of the object, e.g. apps/v1.")
  private String apiVersion;

  @JsonPropertyDescription("Kind of the object, e.g. Deployment.")
  private String kind;

  @JsonPropertyDescription("Namespace of the object; empty for cluster-scoped objects.")
  private String namespace;

  @JsonPropertyDescription("Name of the object.")
  private String name;

  @JsonPropertyDescription("JSON pointers of the fields that differ (at most 10), or [\"(deleted)\"] when the "
      + "object is gone.")
  private List<String> paths;

  public DriftedObject() {}

  public DriftedObject(String apiVersion, String kind, String namespace, String name, List<String> paths) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
    this.paths = paths;
  }

  public String getApiVersion() { return apiVersion; }
  public void setApiVersion(String apiVersion) { this.apiVersion = apiVersion; }
  public String getKind() { return kind; }
  public void setKind(String kind) { this.kind = kind; }
  public String getNamespace() { return namespace; }
  public void setNamespace(String namespace) { this.namespace = namespace; }
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public List<String> getPaths() { return paths; }
  public void setPaths(List<String> paths) { this.paths = paths; }
}
