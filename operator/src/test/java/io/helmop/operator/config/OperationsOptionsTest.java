package io.helmop.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The production flags as `java -jar helmop-operator.jar ...` parses them. */
class OperationsOptionsTest {

  static OperationsOptions parse(String... args) {
    OperationsOptions options = new OperationsOptions();
    new CommandLine(options).parseArgs(args);
    return options;
  }

  @Test
  void endpointsListenOnLoopbackAndLeaderElectionIsOnByDefault() {
    OperationsOptions defaults = parse();
    assertThat(defaults.health()).hasToString("127.0.0.1:8081");
    assertThat(defaults.metrics()).hasToString("127.0.0.1:8080");
    LeaseSettings lease = defaults.lease();
    assertThat(lease.enabled()).isTrue();
    assertThat(lease.name()).isEqualTo("helmop-leader");
    assertThat(lease.namespace()).isEmpty();
    assertThat(lease.duration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(lease.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(lease.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void addressesTakeAHostAPortEveryInterfaceOrOff() {
    assertThat(parse("--health-address", ":9440").health().socketAddress().getAddress().isAnyLocalAddress()).isTrue();
    assertThat(parse("--health-address", ":9440").health().port()).isEqualTo(9440);
    assertThat(parse("--metrics-address", "[::1]:9090").metrics().host()).isEqualTo("::1");
    assertThat(parse("--metrics-address", "off").metrics().isOff()).isTrue();
    assertThat(parse("--metrics-address", "127.0.0.1:0").metrics().port()).isZero();
    for (String bad : new String[] {"8080", "localhost:http", "127.0.0.1:70000", ""}) {
      assertThatThrownBy(() -> parse("--metrics-address", bad).metrics()).as(bad)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageStartingWith("--metrics-address \"" + bad + "\"")
          .hasMessageContaining("127.0.0.1:8081");
    }
  }

  @Test
  void leaderElectionIsTurnedOffOnlyByAnExplicitFalse() {
    assertThat(parse("--leader-election", "false").lease().enabled()).isFalse();
    assertThat(parse("--leader-election", "TRUE").lease().enabled()).isTrue();
    assertThatThrownBy(() -> parse("--leader-election", "no").lease())
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--leader-election \"no\" is neither true nor false");
    assertThat(parse("--lease-namespace", "helmop-system", "--lease-name", "helmop").lease())
        .extracting(LeaseSettings::namespace, LeaseSettings::name)
        .containsExactly(Optional.of("helmop-system"), "helmop");
  }

  @Test
  void leaseTimingsMustLetALeaderGiveUpBeforeAnotherTakesOver() {
    assertThatThrownBy(() -> parse("--lease-duration", "10s", "--lease-renew-deadline", "10s").lease())
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--lease-retry-period (2s) < --lease-renew-deadline (10s) < --lease-duration (10s)");
    assertThatThrownBy(() -> parse("--lease-duration", "soon").lease())
        .hasMessage("--lease-duration \"soon\" is not a duration (examples: 15s, 1m)");
    assertThatThrownBy(() -> parse("--lease-name", "Helmop_Leader").lease())
        .hasMessageStartingWith("--lease-name \"Helmop_Leader\" is not a Kubernetes object name");
  }

  @Test
  void logFormatAndLevelAreCheckedAndNormalised() {
    assertThat(parse().log()).isEqualTo(new LogSettings(LogSettings.Format.TEXT, "INFO"));
    assertThat(parse("--log-format", "JSON", "--log-level", "debug").log())
        .isEqualTo(new LogSettings(LogSettings.Format.JSON, "DEBUG"));
    assertThatThrownBy(() -> parse("--log-format", "xml").log())
        .hasMessage("--log-format \"xml\" is neither text nor json");
    assertThatThrownBy(() -> parse("--log-level", "verbose").log())
        .hasMessage("--log-level \"verbose\" is not one of ERROR, WARN, INFO, DEBUG, TRACE");
  }
}
