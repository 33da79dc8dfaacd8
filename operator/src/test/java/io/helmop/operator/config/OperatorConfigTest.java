package io.helmop.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The flags as `java -jar helmop-operator.jar ...` parses them. */
class OperatorConfigTest {

  static OperatorConfig parse(String... args) {
    OperatorConfig.Options options = new OperatorConfig.Options();
    new CommandLine(options).parseArgs(args);
    return options.toConfig();
  }

  @Test
  void cacheMaxSizeTakesKubernetesQuantitiesAndPlainBytes() {
    assertThat(parse("--cache-max-size", "1Gi").cacheMaxBytes()).isEqualTo(1024L * 1024 * 1024);
    assertThat(parse("--cache-max-size", "500Mi").cacheMaxBytes()).isEqualTo(500L * 1024 * 1024);
    assertThat(parse("--cache-max-size", "2G").cacheMaxBytes()).isEqualTo(2_000_000_000L);
    assertThat(parse("--cache-max-size", "123456789").cacheMaxBytes()).isEqualTo(123_456_789L);
  }

  @Test
  void aCacheMaxSizeThatIsNotASizeIsRefusedWithTheFlagAndExamples() {
    for (String bad : new String[] {"lots", "1GB", "Gi", "0.5", "-1Gi"}) {
      assertThatThrownBy(() -> parse("--cache-max-size", bad)).as(bad)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessage("--cache-max-size \"" + bad + "\" is not a size (examples: 512Mi, 2Gi)");
    }
  }

  @Test
  void namespacesAreACommaListWithBlanksIgnored() {
    assertThat(parse("--namespaces", "payments,platform").namespaces()).containsExactlyInAnyOrder("payments", "platform");
    assertThat(parse("--namespaces", " payments, ,platform,,").namespaces())
        .containsExactlyInAnyOrder("payments", "platform");
    assertThat(parse("--namespaces", "payments", "--namespaces", "platform").namespaces())
        .containsExactlyInAnyOrder("payments", "platform");
    assertThat(parse("--namespaces", " , ").namespaces()).as("nothing named: all namespaces").isEmpty();
  }

  @Test
  void aFlagThatIsNotADurationIsRefusedNamingTheFlag() {
    assertThatThrownBy(() -> parse("--retry-max-interval", "1.5h"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--retry-max-interval \"1.5h\" is not a duration (examples: 5s, 2m)");
    assertThat(parse("--retry-max-interval", "1h30m").retryMaxInterval()).isEqualTo(java.time.Duration.ofMinutes(90));
  }
}
