package io.helmop.operator.release;

import io.helmop.api.v1alpha1.HelmRelease;
import java.util.List;

/** Puts a release's objects back as one of its revisions has them, without a Helm call. */
public interface ObjectRestorer {
  /**
   * Re-applies the objects of {@code target} and deletes those that only {@code undone} (revisions that failed or
   * were stopped half-way) created.
   *
   * @return the objects that could not be put back, each with the API server's reason
   */
  List<String> restore(HelmRelease release, ReleaseRecord target, List<ReleaseRecord> undone);
}
