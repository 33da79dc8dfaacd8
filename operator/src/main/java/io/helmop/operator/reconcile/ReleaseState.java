package io.helmop.operator.reconcile;

/**
 * What a HelmRelease's release is, as one reconcile sees it. {@link ReleaseClassifier} names the state; the
 * reconciler takes the one action the state calls for. Each state's text is what the log and the status say.
 */
public enum ReleaseState {
  /** The HelmRelease is being deleted: uninstall (after its dependents), or keep the release if suspended. */
  DELETING("being deleted"),
  /** spec.suspend: no action at all. */
  SUSPENDED("suspended"),
  /**
   * Helm's release records are marked as another HelmRelease's (another namespace's, or another name's): no Helm
   * call at all, and no uninstall on deletion.
   */
  OWNED_BY_ANOTHER("owned by another HelmRelease"),
  /**
   * This HelmRelease applied the release, but its records carry no marks (helmop made them before it marked
   * releases) or the marks of an earlier HelmRelease of the same namespace and name: mark them as this one's.
   */
  UNMARKED("this HelmRelease's, not yet marked so"),
  /**
   * A release no HelmRelease owns (the helm CLI installed it) and this one never applied: adopt it, announced,
   * unless the operator refuses adoption.
   */
  UNMANAGED("installed by another client"),
  /** The annotation helmop.io/rollback-to asks for a rollback: act on it once. */
  ROLLBACK_REQUESTED("rollback requested"),
  /** The annotation reconcile.helmop.io/resetAt asks for the count of failed attempts to start again. */
  RESET_REQUESTED("asked to reset its retries"),
  /** Helm's newest revision is pending and its operation is gone (a killed helmop, or older than its timeout). */
  PENDING_ABANDONED("pending, abandoned"),
  /** Helm's newest revision is pending and another client may still be at work on it: wait. */
  PENDING_LOCKED("pending, locked by another client"),
  /**
   * Helm's newest revision failed (helmop marked it so after stopping it or finding it abandoned, or Helm's own
   * rollback of it failed, or it is kept by spec.upgrade.atomic=false and another upgrade is due) and the objects
   * may still be as it left them: put them back as the last deployed revision has them, before any Helm call.
   */
  FAILED_NOT_RESTORED("failed, objects not yet restored"),
  /** The annotation reconcile.helmop.io/forceAt asks for an upgrade even though nothing changed. */
  UPGRADE_FORCED("asked for a forced upgrade"),
  /** A revision rolled back to on request runs, and the spec and values are as they were then: keep it. */
  ROLLED_BACK("held on a rolled-back revision"),
  /** Helm's newest revision is deployed, made by helmop from exactly what the spec asks: check drift. */
  IN_SYNC("in sync"),
  /** The release differs from the spec, but the failed attempts for this spec used up the retries. */
  RETRIES_EXHAUSTED("retries exhausted"),
  /** Helm has no revision of the release: install. */
  NOT_INSTALLED("not installed"),
  /** The spec, the values or the chart changed, or Helm's newest revision is not helmop's: upgrade. */
  OUT_OF_SYNC("out of sync");

  private final String text;

  ReleaseState(String text) {
    this.text = text;
  }

  /** How the log and the status name the state. */
  public String text() {
    return text;
  }
}
