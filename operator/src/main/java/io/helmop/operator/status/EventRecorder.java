package io.helmop.operator.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.helmop.api.v1alpha1.HelmRelease;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a HelmRelease, as `kubectl describe` and `kubectl events` show them. The same type, reason
 * and message on the same HelmRelease is one Event whose count and lastTimestamp go up ("x12 over 40m"), not a new
 * Event each time: its name is derived from all four, so a flapping release keeps `kubectl events` short.
 */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "helmop";
  /**
   * Longer than a condition's message: an Event carries every finding of a failed preflight, where the
   * condition has the first ones. The core/v1 Event API sets no limit of its own.
   */
  static final int MAX_MESSAGE = 16 * 1024;
  /** Event names are object names: at most 253 characters, of which the hash takes 17. */
  private static final int MAX_PREFIX = 253 - 17;

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final Redaction redaction;

  public EventRecorder(KubernetesClient client, Clock clock, String instance) {
    this(client, clock, instance, new Redaction());
  }

  /** @param redaction takes secrets out of every Event message */
  public EventRecorder(KubernetesClient client, Clock clock, String instance, Redaction redaction) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.redaction = redaction;
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

  /**
   * The name of the Event for this type, reason and message on this HelmRelease: the release's name and a hash of
   * its uid (a release deleted and created again starts afresh), the type, the reason and the message.
   */
  static String eventName(HelmRelease release, String type, String reason, String message) {
    String name = release.getMetadata().getName();
    String key = release.getMetadata().getUid() + "\n" + type + "\n" + reason + "\n" + message;
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      String prefix = name.length() > MAX_PREFIX ? name.substring(0, MAX_PREFIX) : name;
      return prefix + "." + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private void record(HelmRelease release, String type, String reason, String message) {
    String namespace = release.getMetadata().getNamespace();
    String trimmed = Conditions.trim(redaction.scrub(message), MAX_MESSAGE);
    String name = eventName(release, type, reason, trimmed);
    try {
      Event existing = client.v1().events().inNamespace(namespace).withName(name).get();
      if (existing == null) {
        try {
          create(release, name, type, reason, trimmed);
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
            throw e;
          }
          existing = client.v1().events().inNamespace(namespace).withName(name).get(); // recorded meanwhile
        }
      }
      if (existing != null) {
        bump(namespace, name, existing);
      }
    } catch (KubernetesClientException e) {
      // an Event is informative; failing to write one must not fail the reconcile
      LOG.warn("Could not record event {} on HelmRelease {}/{}: {}", reason, namespace,
          release.getMetadata().getName(), e.getMessage());
    }
  }

  private void create(HelmRelease release, String name, String type, String reason, String message) {
    String now = clock.instant().toString();
    var event = new EventBuilder()
        .withNewMetadata()
          .withName(name)
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
        .withMessage(message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .withReportingInstance(instance)
        .build();
    client.v1().events().inNamespace(release.getMetadata().getNamespace()).resource(event).create();
  }

  /** One more occurrence: count + 1 and lastTimestamp now, on the latest version (a conflict retries once). */
  private void bump(String namespace, String name, Event existing) {
    Event current = existing;
    for (int attempt = 1; ; attempt++) {
      if (current == null) {
        return; // expired meanwhile (the API server keeps Events for an hour): the next occurrence creates it
      }
      current.setCount(current.getCount() == null ? 2 : current.getCount() + 1);
      current.setLastTimestamp(clock.instant().toString());
      current.setReportingInstance(instance);
      try {
        client.v1().events().inNamespace(namespace).resource(current).update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= 2) {
          throw e;
        }
        current = client.v1().events().inNamespace(namespace).withName(name).get();
      }
    }
  }
}
