package io.helmop.operator.dependency;

import io.helmop.api.v1alpha1.HelmRelease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A short pause between seeing a new generation of a release that has dependencies and releasing it.
 *
 * <p>One Git commit may change a foundation and an app together; Argo CD then applies both within moments, in
 * any order. If the app's change arrives first, its dependency still looks Ready (for its old generation) and
 * the app would upgrade ahead of the foundation. Waiting this long after the app's change lets the foundation's
 * new generation arrive, so the app waits for it. Releases without dependencies never pause, and a release
 * whose spec has been stable for longer (say, one that was waiting for a dependency) does not pause either.
 */
public class SettleWindow {
  private final Duration window;
  private final Clock clock;
  private final Map<String, Seen> firstSeen = new ConcurrentHashMap<>();

  public SettleWindow(Duration window, Clock clock) {
    this.window = window;
    this.clock = clock;
  }

  /** How much longer to wait before releasing this generation, if at all. */
  public Optional<Duration> remaining(HelmRelease release) {
    if (window.isZero() || Dependencies.dependencyKeys(release).isEmpty()) {
      return Optional.empty();
    }
    long generation = release.getMetadata().getGeneration();
    Instant now = clock.instant();
    Seen seen = firstSeen.compute(Dependencies.key(release),
        (key, old) -> old != null && old.generation() == generation ? old : new Seen(generation, now));
    Duration left = window.minus(Duration.between(seen.at(), now));
    return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
  }

  public void forget(HelmRelease release) {
    firstSeen.remove(Dependencies.key(release));
  }

  private record Seen(long generation, Instant at) {}
}
