package io.helmop.operator.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.helmop.api.v1alpha1.HelmRelease;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on a HelmRelease, as `kubectl describe` and `kubectl events` show them. */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "helmop";
  /**
   * Longer than a condition's message: an Event carries every finding of a failed preflight, where the
   * condition has the first ones. The core/v1 Event API sets no limit of its own.
   */
  static final int MAX_MESSAGE = 16 * 1024;

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;

  public EventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  public void record(HelmRelease release, Notice notice) {
    record(release, notice.warning() ? "Warning" : "Normal", notice.reason(), notice.message());
  }

  public void normal(HelmRelease release, String reason, String message) {
    record(release, "Normal", reason, message);
  }

  public void warning(HelmRelease release, String reason, String message) {
    record(release, "Warning", reason, message);
  }

  private void record(HelmRelease release, String type, String reason, String message) {
    String now = clock.instant().toString();
    var event = new EventBuilder()
        .withNewMetadata()
          .withGenerateName(release.getMetadata().getName() + ".")
          .withNamespace(release.getMetadata().getNamespace())
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(release.getApiVersion())
            .withKind(release.getKind())
            .withName(release.getMetadata().getName())
            .withNamespace(release.getMetadata().getNamespace())
            .withUid(release.getMetadata().getUid())
            .withResourceVersion(release.getMetadata().getResourceVersion())
            .build())
        .withType(type)
        .withReason(reason)
        .withMessage(Conditions.trim(message, MAX_MESSAGE))
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .withReportingInstance(instance)
        .build();
    try {
      client.v1().events().inNamespace(release.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // an Event is informative; failing to write one must not fail the reconcile
      LOG.warn("Could not record event {} on HelmRelease {}/{}: {}", reason, release.getMetadata().getNamespace(),
          release.getMetadata().getName(), e.getMessage());
    }
  }
}
