package io.helmop.operator.policy;

import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedRelease;
import java.util.List;

/** The last preflight step: would the API server take every rendered object? */
public interface DryRun {
  /** What the server refused, one sentence per object (object, field, the server's message); empty: all fine. */
  List<String> check(RenderedRelease rendered, ReleaseRequest request);

  /** No server to ask (unit tests of the reconcile; the `check` command runs without a cluster). */
  DryRun NONE = (rendered, request) -> List.of();
}
