package io.helmop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** The chart's test hooks (`helm test`), as Flux's spec.test. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TestSpec {
  @JsonPropertyDescription("Run the chart's test hooks (`helm.sh/hook: test`) after every successful install and "
      + "upgrade, like `helm test`. The outcome is the TestSuccess condition. A release that is not installed or "
      + "upgraded is not tested again.")
  @Default("false")
  private Boolean enable = false;

  @JsonPropertyDescription("How long the tests may take in all. Go duration. Unset: the install's or upgrade's "
      + "timeout.")
  @Pattern(HelmReleaseSpec.DURATION_PATTERN)
  private String timeout;

  @JsonPropertyDescription("A failed test only sets TestSuccess=False: the release stays as it is and Ready. "
      + "Default false: a failed test counts as a failed install or upgrade (rolled back when atomic, retried up to "
      + "spec.install.retries / spec.upgrade.retries).")
  @Default("false")
  private Boolean ignoreFailures = false;

  public Boolean getEnable() { return enable; }
  public void setEnable(Boolean enable) { this.enable = enable; }
  public String getTimeout() { return timeout; }
  public void setTimeout(String timeout) { this.timeout = timeout; }
  public Boolean getIgnoreFailures() { return ignoreFailures; }
  public void setIgnoreFailures(Boolean ignoreFailures) { this.ignoreFailures = ignoreFailures; }
}
