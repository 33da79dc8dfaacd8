package io.helmop.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The tenancy flags as `java -jar helmop-operator.jar ...` parses them. */
class TenantLimitsTest {

  static TenantLimits.Settings parse(String... args) {
    TenantLimits options = new TenantLimits();
    new CommandLine(options).parseArgs(args);
    return options.settings();
  }

  @Test
  void withoutFlagsHelmopAdoptsAndFollowsReferencesAnywhere() {
    assertThat(parse()).isEqualTo(TenantLimits.Settings.OPEN);
  }

  @Test
  void theLockdownFlagWorksAloneOrWithAValue() {
    assertThat(parse("--no-cross-namespace-refs").crossNamespaceRefs()).isFalse();
    assertThat(parse("--no-cross-namespace-refs=true").crossNamespaceRefs()).isFalse();
    assertThat(parse("--no-cross-namespace-refs=false").crossNamespaceRefs()).isTrue();
  }

  @Test
  void adoptionIsRefusedOnlyByAnExplicitFalse() {
    assertThat(parse("--adopt-releases=false").adoptReleases()).isFalse();
    assertThat(parse("--adopt-releases", "TRUE").adoptReleases()).isTrue();
    assertThatThrownBy(() -> parse("--adopt-releases=no")).isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--adopt-releases \"no\" is neither true nor false");
  }
}
