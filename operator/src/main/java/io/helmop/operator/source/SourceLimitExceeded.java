package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.IOException;

/**
 * A fetch hit one of the {@link SourceLimits}: a deadline (retrying may help: the source may recover) or a size
 * bound (it cannot, until the source or the bound changes). The message names the URL (without user info), the
 * bound and the flag that sets it.
 */
public final class SourceLimitExceeded extends IOException {
  private final boolean tooLarge;

  private SourceLimitExceeded(String message, boolean tooLarge) {
    super(message);
    this.tooLarge = tooLarge;
  }

  static SourceLimitExceeded idle(String url, SourceLimits limits) {
    return new SourceLimitExceeded(url + " sent nothing for " + SourceLimits.duration(limits.readTimeout())
        + " (--source-read-timeout)", false);
  }

  /** The request's own timeout (the read deadline) covers connecting too, when it is the shorter. */
  static SourceLimitExceeded connect(String url, SourceLimits limits) {
    boolean readFirst = limits.readTimeout().compareTo(limits.connectTimeout()) < 0;
    return new SourceLimitExceeded(url + " could not be connected to within "
        + SourceLimits.duration(readFirst ? limits.readTimeout() : limits.connectTimeout())
        + (readFirst ? " (--source-read-timeout)" : " (--source-connect-timeout)"), false);
  }

  /** The JDK client's timeouts: connecting, or waiting for the response headers. */
  static SourceLimitExceeded of(java.net.http.HttpTimeoutException e, String url, SourceLimits limits) {
    return e instanceof java.net.http.HttpConnectTimeoutException ? connect(url, limits) : idle(url, limits);
  }

  /** {@link SourceFetches} gave up a fetch its transport did not end. */
  static SourceLimitExceeded abandoned(java.time.Duration deadline) {
    return new SourceLimitExceeded("the fetch did not end within " + SourceLimits.duration(deadline)
        + " (--source-timeout plus --source-read-timeout)", false);
  }

  static SourceLimitExceeded total(String url, SourceLimits limits) {
    return new SourceLimitExceeded("reading " + url + " took longer than "
        + SourceLimits.duration(limits.totalTimeout()) + " (--source-timeout)", false);
  }

  public static SourceLimitExceeded tooLarge(String what, long bound, String flag) {
    return new SourceLimitExceeded(what + " is larger than " + SourceLimits.size(bound) + " (" + flag + ")", true);
  }

  /** The limit hit somewhere under {@code e} (a YAML or JSON parser wraps its stream's exception), or null. */
  public static SourceLimitExceeded tooManyFiles(String what, SourceLimits limits) {
    return new SourceLimitExceeded(what + " holds more than " + limits.maxFiles() + " files (--source-max-files)",
        true);
  }

  public static SourceLimitExceeded in(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SourceLimitExceeded limit) {
        return limit;
      }
    }
    return null;
  }

  public boolean tooLarge() {
    return tooLarge;
  }

  /**
   * The condition for a fetch of {@code what} (e.g. "the index of chart repository https://charts.example.com",
   * naming the spec field) that hit this limit.
   */
  public ReconcileFailure failure(String what) {
    if (tooLarge) {
      return ReconcileFailure.stalled(Reasons.SOURCE_TOO_LARGE, "Cannot read " + what + ": " + getMessage()
          + ". Point the release at a smaller source, or raise the bound with that operator flag.");
    }
    return ReconcileFailure.retryable(Reasons.SOURCE_TIMEOUT, "Cannot read " + what + ": " + getMessage()
        + ". Check that the source answers; a slow one needs a larger deadline (operator flag). helmop retries "
        + "with backoff.", this);
  }
}
