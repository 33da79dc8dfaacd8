package io.helmop.operator.status;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every reason helmop writes on a condition or an Event, in one place. docs/api.md lists the same set (a test
 * compares them), so a user can look up any reason `kubectl describe` shows.
 */
public final class Reasons {
  private Reasons() {}

  // the release is deployed
  public static final String INSTALL_SUCCEEDED = "InstallSucceeded";
  public static final String UPGRADE_SUCCEEDED = "UpgradeSucceeded";
  public static final String ROLLED_BACK = "RolledBack";
  public static final String ROLLBACK_SUCCEEDED = "RollbackSucceeded";

  // day-2 requests (annotations reconcile.helmop.io/*)
  public static final String RECONCILE_REQUESTED = "ReconcileRequested";
  public static final String UPGRADE_FORCED = "UpgradeForced";
  public static final String RETRIES_RESET = "RetriesReset";

  // helmop is working on it
  public static final String PROGRESSING = "Progressing";
  public static final String PROGRESSING_WITH_RETRY = "ProgressingWithRetry";
  public static final String SUPERSEDED = "Superseded";
  /** After a failed, stopped or abandoned revision: the objects are back as the last deployed revision has them. */
  public static final String OBJECTS_RESTORED = "ObjectsRestored";
  public static final String RESTORE_FAILED = "RestoreFailed";
  public static final String RELEASE_LOCKED = "ReleaseLocked";
  public static final String DEPENDENCY_NOT_READY = "DependencyNotReady";
  public static final String DEPENDENCY_NOT_FOUND = "DependencyNotFound";
  public static final String DEPENDENTS_EXIST = "DependentsExist";
  public static final String SUSPENDED = "Suspended";

  // Helm failed
  public static final String INSTALL_FAILED = "InstallFailed";
  public static final String UPGRADE_FAILED = "UpgradeFailed";
  public static final String RETRIES_EXHAUSTED = "RetriesExhausted";
  public static final String UNINSTALL_FAILED = "UninstallFailed";
  public static final String UNINSTALLED = "Uninstalled";
  public static final String RECONCILE_ERROR = "ReconcileError";
  /** The release's ServiceAccount may not do what the release needs (RBAC). */
  public static final String FORBIDDEN = "Forbidden";

  // the spec, the chart or its source
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String INVALID_CREDENTIALS = "InvalidCredentials";
  public static final String CREDENTIALS_NOT_FOUND = "CredentialsNotFound";
  public static final String DEPENDENCY_CYCLE = "DependencyCycle";
  public static final String UNSUPPORTED_SOURCE = "UnsupportedSource";
  public static final String REPOSITORY_UNAVAILABLE = "RepositoryUnavailable";
  public static final String REPOSITORY_AUTH_FAILED = "RepositoryAuthFailed";
  public static final String CHART_NOT_FOUND = "ChartNotFound";
  public static final String CHART_VERSION_NOT_FOUND = "ChartVersionNotFound";
  public static final String CHART_DOWNLOAD_FAILED = "ChartDownloadFailed";
  public static final String CHART_DIGEST_MISMATCH = "ChartDigestMismatch";
  public static final String CHART_INVALID = "ChartInvalid";
  /** A dependency in Chart.yaml of a Git chart that cannot be had: the message names dependencies[i]. */
  public static final String CHART_DEPENDENCY_FAILED = "ChartDependencyFailed";
  public static final String GIT_UNAVAILABLE = "GitUnavailable";
  public static final String SOURCE_FETCHING = "SourceFetching";
  public static final String SOURCE_TIMEOUT = "SourceTimeout";
  public static final String SOURCE_TOO_LARGE = "SourceTooLarge";
  public static final String GIT_AUTH_FAILED = "GitAuthFailed";
  public static final String GIT_HOST_KEY_MISMATCH = "GitHostKeyMismatch";
  public static final String GIT_REF_NOT_FOUND = "GitRefNotFound";
  public static final String INVALID_VALUES = "InvalidValues";
  public static final String VALUES_FILE_NOT_FOUND = "ValuesFileNotFound";
  public static final String VALUES_FROM_NOT_FOUND = "ValuesFromNotFound";
  public static final String RENDER_FAILED = "RenderFailed";
  public static final String RENDER_LIMIT_EXCEEDED = "RenderLimitExceeded";
  /** spec.postRenderers cannot be applied: a patch selects nothing or does not apply, an image override is bad. */
  public static final String POST_RENDER_FAILED = "PostRenderFailed";

  // the preflight before every install and upgrade
  public static final String VALUES_INVALID = "ValuesInvalid";
  public static final String PREFLIGHT_FAILED = "PreflightFailed";

  // the chart's tests (spec.test), on the TestSuccess condition
  public static final String TEST_SUCCEEDED = "TestSucceeded";
  public static final String TEST_FAILED = "TestFailed";
  public static final String TESTS_NOT_RUN = "TestsNotRun";

  // rollback on request
  public static final String INVALID_ROLLBACK_REQUEST = "InvalidRollbackRequest";
  public static final String ROLLBACK_TARGET_NOT_FOUND = "RollbackTargetNotFound";
  public static final String ROLLBACK_NOT_POSSIBLE = "RollbackNotPossible";
  public static final String ROLLBACK_FAILED = "RollbackFailed";

  // who owns a release (the marks on Helm's release records)
  public static final String RELEASE_OWNED_BY_ANOTHER = "ReleaseOwnedByAnother";
  public static final String ADOPTION_REFUSED = "AdoptionRefused";
  public static final String RELEASE_ADOPTED = "ReleaseAdopted";

  // drift
  public static final String NO_DRIFT = "NoDrift";
  public static final String DRIFT_DETECTED = "DriftDetected";
  public static final String DRIFT_CORRECTED = "DriftCorrected";
  public static final String CORRECTION_FAILED = "CorrectionFailed";
  public static final String CORRECTION_CONTESTED = "CorrectionContested";
  public static final String DRIFT_CHECK_FAILED = "DriftCheckFailed";

  // the production checklist (spec.policy)
  public static final String RULES_PASSED = "RulesPassed";
  public static final String RULES_VIOLATED = "RulesViolated";

  /** Every reason above. */
  public static Set<String> all() {
    Set<String> reasons = new TreeSet<>();
    for (Field field : Reasons.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        try {
          reasons.add((String) field.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return reasons;
  }
}
