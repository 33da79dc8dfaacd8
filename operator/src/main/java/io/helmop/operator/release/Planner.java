package io.helmop.operator.release;

import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;

/** Turns a HelmRelease into the release it asks for ({@link ReleasePlanner}; a fixed one in unit tests). */
public interface Planner {
  DesiredRelease plan(HelmRelease release) throws ReconcileFailure;
}
