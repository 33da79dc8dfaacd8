package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftTarget {
  @JsonPropertyDescription("API group, e.g. apps; \"\" for the core group (ConfigMap, Service); left out: any group.")
  private String group;

  @JsonPropertyDescription("Kind, e.g. Deployment. Must be a kind the API server serves.")
  private String kind;

  @JsonPropertyDescription("Object name.")
  private String name;

  @JsonPropertyDescription("Object namespace.")
  private String namespace;

  public String getGroup() { return group; }
  public void setGroup(String group) { this.group = group; }
  public String getKind() { return kind; }
  public void setKind(String kind) { this.kind = kind; }
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getNamespace() { return namespace; }
  public void setNamespace(String namespace) { this.namespace = namespace; }
}
