package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** A chart kept in a folder of a Git repository. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GitSource {
  @JsonPropertyDescription("URL of the Git repository: https://, http://, git://, or over SSH ssh://git@host/path "
      + "and scp-like git@host:path (SSH needs spec.chart.secretRef with identity and known_hosts).")
  @Required
  private String url;

  @JsonPropertyDescription("Branch, tag or full commit SHA. A branch is followed: a new commit is picked up at the "
      + "next interval. A tag or a commit never moves.")
  @Default("main")
  private String ref = "main";

  @JsonPropertyDescription("Folder of the chart inside the repository (the one holding Chart.yaml), e.g. "
      + "charts/payment-service.")
  @Default(".")
  private String path = ".";

  public String getUrl() { return url; }
  public void setUrl(String url) { this.url = url; }
  public String getRef() { return ref; }
  public void setRef(String ref) { this.ref = ref; }
  public String getPath() { return path; }
  public void setPath(String path) { this.path = path; }
}
