package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageOverride {
  @JsonPropertyDescription("The image to override, as the chart names it without tag or digest, e.g. nginx or "
      + "registry.example/team/app.")
  @Required
  private String name;

  @JsonPropertyDescription("A new image name (repository) in its place.")
  private String newName;

  @JsonPropertyDescription("A new tag, e.g. 1.27.3.")
  private String newTag;

  @JsonPropertyDescription("A digest (sha256:<64 hex digits>) pinned in place of the tag.")
  private String digest;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getNewName() { return newName; }
  public void setNewName(String newName) { this.newName = newName; }
  public String getNewTag() { return newTag; }
  public void setNewTag(String newTag) { this.newTag = newTag; }
  public String getDigest() { return digest; }
  public void setDigest(String digest) { this.digest = digest; }
}
