package io.helmop.operator.source;

import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.util.Collection;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.semver4j.RangesList;
import org.semver4j.RangesListFactory;
import org.semver4j.Semver;

/**
 * A chart version constraint as Helm users write it (1.4.2, 1.4.x, ~1.4, ^1.4, ">=1.2, <2.0", "1 || 2"),
 * read with semver4j's npm-style ranges, which share Helm's syntax except that Helm also allows commas for AND.
 */
public final class VersionConstraint {
  private static final Pattern ALLOWED = Pattern.compile("[0-9A-Za-z.*^~<>=|,+\\- ]+");

  private final String text;
  private final RangesList ranges;

  private VersionConstraint(String text, RangesList ranges) {
    this.text = text;
    this.ranges = ranges;
  }

  /** The constraint of spec.chart.version; one that does not parse stalls the release. */
  public static VersionConstraint ofSpec(ChartSpec spec) throws ReconcileFailure {
    try {
      return parse(spec.getVersion());
    } catch (IllegalArgumentException e) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, "spec.chart.version \"" + spec.getVersion()
          + "\" is not a semver constraint: write an exact version (1.4.2) or a range (1.4.x, ~1.4, >=1.2 <2.0).");
    }
  }

  /** An empty constraint means the latest stable version. */
  public static VersionConstraint parse(String text) {
    String trimmed = text == null ? "" : text.strip();
    if (trimmed.isEmpty()) {
      return new VersionConstraint("", null);
    }
    if (!ALLOWED.matcher(trimmed).matches()) {
      throw new IllegalArgumentException("not a semver constraint");
    }
    try {
      return new VersionConstraint(trimmed, RangesListFactory.create(trimmed.replace(",", " ")));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a semver constraint", e);
    }
  }

  /**
   * The highest version that satisfies the constraint; prereleases only when the constraint names one. (Not
   * semver4j's isStable(), which also calls every 0.x version unstable.)
   */
  public Optional<String> highest(Collection<String> versions) {
    return versions.stream()
        .map(v -> Optional.ofNullable(Semver.parse(v.startsWith("v") ? v.substring(1) : v))
            .map(semver -> new Candidate(v, semver)).orElse(null))
        .filter(Objects::nonNull)
        .filter(c -> ranges == null ? c.semver().getPreRelease().isEmpty() : c.semver().satisfies(ranges))
        .max(Comparator.comparing(Candidate::semver))
        .map(Candidate::original);
  }

  @Override
  public String toString() {
    return text.isEmpty() ? "latest stable" : text;
  }

  private record Candidate(String original, Semver semver) {}
}
