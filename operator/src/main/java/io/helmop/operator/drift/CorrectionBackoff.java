package io.helmop.operator.drift;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps helmop from fighting another controller in a tight loop. The first correction of an object is
 * immediate. Drift that comes back soon after a correction means someone reverts helmop: the next
 * corrections wait 2 s, then 6 s, 18 s, ... up to 5 min (Argo CD's self-heal steps). An object left alone for
 * twice its next delay (at least 10 s) after a correction starts afresh.
 */
public class CorrectionBackoff {
  static final Duration FIRST_DELAY = Duration.ofSeconds(2);
  static final Duration MAX_DELAY = Duration.ofMinutes(5);
  static final Duration QUIET_PERIOD = Duration.ofSeconds(10);

  private final Clock clock;
  private final Map<ObjectRef, State> states = new ConcurrentHashMap<>();

  public CorrectionBackoff(Clock clock) {
    this.clock = clock;
  }

  /** What to do about drift found on {@code object} now. */
  Decision decide(ObjectRef object) {
    Instant now = clock.instant();
    State state = states.get(object);
    if (state == null) {
      return new Decision(true, false, now, Duration.ZERO);
    }
    Duration delay = state.delay().isZero() ? FIRST_DELAY : min(state.delay().multipliedBy(3), MAX_DELAY);
    if (state.lastCorrection().plus(max(QUIET_PERIOD, delay.multipliedBy(2))).isBefore(now)) {
      return new Decision(true, false, now, Duration.ZERO); // left alone long enough: a new, one-off edit
    }
    Instant allowedAt = state.lastCorrection().plus(delay);
    return new Decision(!now.isBefore(allowedAt), true, allowedAt, delay);
  }

  /** Remember a correction made under {@code decision}. */
  void corrected(ObjectRef object, Decision decision) {
    states.put(object, new State(clock.instant(), decision.delay()));
  }

  /** Forget everything about these objects (their release is gone or no longer corrected). */
  void forget(java.util.Collection<ObjectRef> objects) {
    objects.forEach(states::remove);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * @param correctNow whether to re-apply now
   * @param contested whether the drift came back soon after helmop's last correction
   * @param notBefore when the next correction may happen
   * @param delay the backoff step this decision belongs to
   */
  record Decision(boolean correctNow, boolean contested, Instant notBefore, Duration delay) {
    Optional<Duration> waitFrom(Instant now) {
      return correctNow ? Optional.empty() : Optional.of(Duration.between(now, notBefore));
    }
  }

  private record State(Instant lastCorrection, Duration delay) {}
}
