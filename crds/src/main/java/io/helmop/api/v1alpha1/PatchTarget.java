package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PatchTarget {
  @JsonPropertyDescription("API group, e.g. apps; \"\" for the core group; left out: any group.")
  private String group;

  @JsonPropertyDescription("API version, e.g. v1; left out: any version.")
  private String version;

  @JsonPropertyDescription("Kind, e.g. Deployment; left out: any kind.")
  private String kind;

  @JsonPropertyDescription("Object name, a regular expression matched against the whole name; left out: any name.")
  private String name;

  @JsonPropertyDescription("Object namespace, a regular expression matched against the whole namespace (the "
      + "release's namespace for objects that name none); left out: any namespace.")
  private String namespace;

  @JsonPropertyDescription("A label selector (e.g. app=web,tier!=cache) the object's labels must match.")
  private String labelSelector;

  @JsonPropertyDescription("A selector in the label selector syntax that the object's annotations must match.")
  private String annotationSelector;

  public String getGroup() { return group; }
  public void setGroup(String group) { this.group = group; }
  public String getVersion() { return version; }
  public void setVersion(String version) { this.version = version; }
  public String getKind() { return kind; }
  public void setKind(String kind) { this.kind = kind; }
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getNamespace() { return namespace; }
  public void setNamespace(String namespace) { this.namespace = namespace; }
  public String getLabelSelector() { return labelSelector; }
  public void setLabelSelector(String labelSelector) { this.labelSelector = labelSelector; }
  public String getAnnotationSelector() { return annotationSelector; }
  public void setAnnotationSelector(String annotationSelector) { this.annotationSelector = annotationSelector; }
}
