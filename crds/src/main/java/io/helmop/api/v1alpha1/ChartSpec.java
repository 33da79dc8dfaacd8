package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ChartSpec {
  @JsonPropertyDescription("URL of the chart repository: http(s)://... for a Helm repository (the folder holding "
      + "index.yaml), oci://HOST/PATH for an OCI registry (the chart is HOST/PATH/NAME, as `helm push` stores "
      + "it; plain HTTP only for a registry on 127.0.0.1 or localhost). Leave empty when the chart comes from git.")
  @Pattern("^(https?|oci)://.+$")
  private String repository;

  @JsonPropertyDescription("Name of the chart in the repository or registry, e.g. payment-service. Not used with "
      + "git.")
  private String name;

  @JsonPropertyDescription("A chart kept in a Git repository, instead of repository/name/version.")
  private GitSource git;

  @JsonPropertyDescription("Semver constraint on the chart version, as Helm reads it: 1.4.2, 1.4.x, ~1.4, ^1.4, "
      + ">=1.2 <2.0. Empty means the latest stable (non-prerelease) version.")
  private String version;

  @JsonPropertyDescription("A Secret in the HelmRelease's namespace with the repository's credentials: "
      + "`username` and `password` for basic auth (a Helm repository, an OCI registry or its token service, Git "
      + "over HTTP(S)), `caFile` (PEM) for a repository whose TLS certificate a private CA signed, `certFile` and "
      + "`keyFile` (PEM) for a repository that asks for a client certificate; for Git over SSH `identity` (the "
      + "private key), `known_hosts` (the server's host keys, required) and `password` if the key is encrypted. "
      + "Credentials go only to the repository's own host.")
  private SecretReference secretRef;

  public SecretReference getSecretRef() { return secretRef; }
  public void setSecretRef(SecretReference secretRef) { this.secretRef = secretRef; }
  public GitSource getGit() { return git; }
  public void setGit(GitSource git) { this.git = git; }
  public String getRepository() { return repository; }
  public void setRepository(String repository) { this.repository = repository; }
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getVersion() { return version; }
  public void setVersion(String version) { this.version = version; }
}
