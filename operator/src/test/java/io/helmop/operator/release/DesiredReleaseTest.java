package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredReleaseTest {

  static ReleaseRequest request(Map<String, Object> values, Duration timeout) {
    return new ReleaseRequest("web", "apps", Path.of("/charts/x.tgz"), values, true, true, timeout, false, true);
  }

  @Test
  void digestDoesNotDependOnTheOrderValuesWereWrittenIn() {
    Map<String, Object> ab = new LinkedHashMap<>();
    ab.put("a", 1);
    ab.put("b", Map.of("y", 2, "x", 1));
    Map<String, Object> ba = new LinkedHashMap<>();
    ba.put("b", new LinkedHashMap<>(Map.of("x", 1, "y", 2)));
    ba.put("a", 1);
    assertThat(DesiredRelease.digest("c1", request(ab, Duration.ofMinutes(5))))
        .isEqualTo(DesiredRelease.digest("c1", request(ba, Duration.ofMinutes(5))));
  }

  @Test
  void digestChangesWithValuesOrChartButNotWithTheTimeout() {
    String base = DesiredRelease.digest("c1", request(Map.of("a", 1), Duration.ofMinutes(5)));
    assertThat(DesiredRelease.digest("c1", request(Map.of("a", 2), Duration.ofMinutes(5)))).isNotEqualTo(base);
    assertThat(DesiredRelease.digest("c2", request(Map.of("a", 1), Duration.ofMinutes(5)))).isNotEqualTo(base);
    assertThat(DesiredRelease.digest("c1", request(Map.of("a", 1), Duration.ofMinutes(9)))).isEqualTo(base);
    assertThat(base).startsWith("sha256:").hasSize(7 + 64);
  }
}
