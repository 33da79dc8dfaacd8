package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class VersionConstraintTest {
  static final List<String> VERSIONS = List.of("1.3.9", "1.4.0", "1.4.2", "1.5.0", "2.0.0", "2.1.0-rc.1");

  @Test
  void emptyConstraintPicksTheLatestStableVersion() {
    assertThat(VersionConstraint.parse("").highest(VERSIONS)).contains("2.0.0");
    assertThat(VersionConstraint.parse(null).highest(VERSIONS)).contains("2.0.0");
  }

  @Test
  void zeroMajorVersionsAreReleasesToo() {
    assertThat(VersionConstraint.parse("").highest(List.of("0.1.0", "0.2.0", "0.3.0-rc.1"))).contains("0.2.0");
  }

  @Test
  void wildcardsTildesAndCaretsReadAsHelmReadsThem() {
    assertThat(VersionConstraint.parse("1.4.x").highest(VERSIONS)).contains("1.4.2");
    assertThat(VersionConstraint.parse("~1.4").highest(VERSIONS)).contains("1.4.2");
    assertThat(VersionConstraint.parse("^1.4").highest(VERSIONS)).contains("1.5.0");
    assertThat(VersionConstraint.parse("1.4.0").highest(VERSIONS)).contains("1.4.0");
  }

  @Test
  void commaSeparatedRangesAreAnAnd() {
    assertThat(VersionConstraint.parse(">=1.2, <1.5").highest(VERSIONS)).contains("1.4.2");
  }

  @Test
  void prereleasesOnlyWhenTheConstraintAsksForOne() {
    assertThat(VersionConstraint.parse(">=2.0.0").highest(VERSIONS)).contains("2.0.0");
    assertThat(VersionConstraint.parse("2.1.0-rc.1").highest(VERSIONS)).contains("2.1.0-rc.1");
  }

  @Test
  void noMatchIsEmpty() {
    assertThat(VersionConstraint.parse("9.9.9").highest(VERSIONS)).isEmpty();
  }

  @Test
  void garbageIsRejected() {
    assertThatThrownBy(() -> VersionConstraint.parse("latest; rm -rf /")).isInstanceOf(IllegalArgumentException.class);
  }
}
