package io.helmop.api.v1alpha1;

/**
 * What happens to the CustomResourceDefinitions in a chart's crds/ folder (Helm itself only creates them on a
 * first install, and never changes them afterwards).
 */
public enum CrdPolicy {
  /** Leave them alone: neither create nor change them. */
  Skip,
  /** Create those that do not exist; never change an existing one. */
  Create,
  /** Create those that do not exist and replace existing ones with the chart's version (server-side apply). */
  CreateReplace
}
