package io.helmop.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorrectionBackoffTest {
  private Instant now = Instant.parse("2026-11-24T10:00:00Z");
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return now; }
  };
  private final CorrectionBackoff backoff = new CorrectionBackoff(clock);
  private final ObjectRef web = new ObjectRef("apps/v1", "Deployment", "ns", "web");

  @Test
  void aFightIsAnsweredAfter2Then6Then18Seconds() {
    assertThat(correctAtOnce()).isTrue(); // someone's one-off kubectl edit
    now = now.plusMillis(300); // reverted again right away
    for (long expected : new long[] {2, 6, 18, 54, 162, 300, 300}) {
      CorrectionBackoff.Decision decision = backoff.decide(web);
      assertThat(decision.contested()).isTrue();
      assertThat(decision.correctNow()).isFalse();
      assertThat(decision.delay()).isEqualTo(Duration.ofSeconds(expected));
      now = decision.notBefore();
      assertThat(correctAtOnce()).isTrue();
      now = now.plusMillis(300);
    }
  }

  /**
   * A fight as DriftIT stages it, on the fake clock: another controller reverts each correction 300 ms later,
   * and helmop looks every 100 ms (the edits and the Deployment's status keep waking it). Over 35 s helmop
   * corrects four times, at 0, 2, 8 and 26 s; a tight loop would have corrected over a hundred times.
   */
  @Test
  void aControllerRevertingEveryCorrectionGetsFourCorrectionsIn35Seconds() {
    Instant start = now;
    List<Duration> corrections = new ArrayList<>();
    boolean drifted = true;
    Instant revertAt = null;
    for (long millis = 0; millis <= 35_000; millis += 100) {
      now = start.plusMillis(millis);
      if (revertAt != null && !now.isBefore(revertAt)) {
        drifted = true;
        revertAt = null;
      }
      if (drifted && correctAtOnce()) {
        corrections.add(Duration.ofMillis(millis));
        drifted = false;
        revertAt = now.plusMillis(300);
      }
    }
    assertThat(corrections).containsExactly(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(8),
        Duration.ofSeconds(26));
  }

  @Test
  void anObjectLeftAloneStartsAfresh() {
    assertThat(correctAtOnce()).isTrue();
    now = now.plusSeconds(11);
    CorrectionBackoff.Decision decision = backoff.decide(web);
    assertThat(decision.contested()).isFalse();
    assertThat(decision.correctNow()).isTrue();
  }

  private boolean correctAtOnce() {
    CorrectionBackoff.Decision decision = backoff.decide(web);
    if (decision.correctNow()) {
      backoff.corrected(web, decision);
    }
    return decision.correctNow();
  }
}
