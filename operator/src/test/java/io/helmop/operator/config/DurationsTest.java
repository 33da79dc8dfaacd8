package io.helmop.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.operator.ReconcileFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void durationsAreWholeGoDurations() throws Exception {
    assertThat(Durations.parse("spec.upgrade.timeout", "1h30m", "5m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("spec.upgrade.timeout", "90s", "5m")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("spec.upgrade.timeout", "1m500ms", "5m")).isEqualTo(Duration.ofMillis(60_500));
    assertThat(Durations.parse("spec.upgrade.timeout", "", "5m")).as("empty: the default").isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void fractionsSignsAndSpacesAreRefusedRatherThanMisread() {
    // fabric8's parser alone reads "1.5h" as 5 hours and "-5s" as 5 seconds
    for (String bad : new String[] {"1.5h", "-5s", "1h 30m", "10", "5 minutes"}) {
      assertThatThrownBy(() -> Durations.parseGo(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void anIntervalBelow5SecondsIsRaisedTo5Seconds() {
    assertThat(Durations.interval("1s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.interval("0s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.interval("4999ms")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.interval("6s")).as("above the floor: unchanged").isEqualTo(Duration.ofSeconds(6));
    assertThat(Durations.interval("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.interval(null)).as("unset: the CRD's default").isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void aBadDurationStallsWithAMessageNamingTheFieldAndTheValue() {
    assertThatThrownBy(() -> Durations.parse("spec.upgrade.timeout", "5 minutes", "5m"))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("InvalidSpec");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
        })
        .hasMessageStartingWith("spec.upgrade.timeout \"5 minutes\" is not a duration")
        .hasMessageContaining("1h30m");
  }
}
