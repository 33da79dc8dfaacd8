package io.helmop.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.helmop.api.v1alpha1.HelmRelease;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Events on the fabric8 mock server (CRUD mode): one Event per reason and message, counted. */
class EventRecorderTest {
  private static final Instant START = Instant.parse("2026-11-30T10:00:00Z");

  private KubernetesMockServer server;
  private KubernetesClient client;
  private MutableClock clock;
  private EventRecorder recorder;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    clock = new MutableClock(START);
    recorder = new EventRecorder(client, clock, "helmop-test");
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  @Test
  void theSameReasonAndMessageTenTimesIsOneEventCountedTen() {
    HelmRelease web = release("web", "uid-1");
    for (int i = 0; i < 10; i++) {
      recorder.record(web, Notice.warning(Reasons.UPGRADE_FAILED, "Upgrade of chart web-1.0.0 failed: timed out"));
      clock.advance(Duration.ofSeconds(30));
    }

    List<Event> events = events();
    assertThat(events).hasSize(1);
    Event event = events.get(0);
    assertThat(event.getCount()).isEqualTo(10);
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getReason()).isEqualTo(Reasons.UPGRADE_FAILED);
    assertThat(event.getMessage()).isEqualTo("Upgrade of chart web-1.0.0 failed: timed out");
    assertThat(event.getFirstTimestamp()).isEqualTo(START.toString());
    assertThat(event.getLastTimestamp()).isEqualTo(START.plusSeconds(9 * 30).toString());
    assertThat(event.getInvolvedObject().getName()).isEqualTo("web");
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("HelmRelease");
    assertThat(event.getInvolvedObject().getUid()).isEqualTo("uid-1");
  }

  @Test
  void aFlappingReleaseHasOneEventPerDistinctSituation() {
    HelmRelease web = release("web", "uid-1");
    for (int flap = 0; flap < 5; flap++) {
      recorder.record(web, Notice.warning(Reasons.UPGRADE_FAILED, "Upgrade failed: timed out"));
      recorder.record(web, Notice.normal(Reasons.UPGRADE_SUCCEEDED, "Release web revision 2 is deployed"));
      clock.advance(Duration.ofMinutes(1));
    }

    assertThat(events()).extracting(Event::getReason, Event::getCount).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(Reasons.UPGRADE_FAILED, 5),
        org.assertj.core.groups.Tuple.tuple(Reasons.UPGRADE_SUCCEEDED, 5));
  }

  @Test
  void anotherMessageTypeOrReleaseIsAnotherEvent() {
    HelmRelease web = release("web", "uid-1");
    recorder.record(web, Notice.warning(Reasons.UPGRADE_FAILED, "Upgrade failed: timed out"));
    recorder.record(web, Notice.warning(Reasons.UPGRADE_FAILED, "Upgrade failed: image not found"));
    recorder.record(web, Notice.normal(Reasons.UPGRADE_FAILED, "Upgrade failed: timed out"));
    recorder.record(release("api", "uid-2"), Notice.warning(Reasons.UPGRADE_FAILED, "Upgrade failed: timed out"));
    // the same name after the release was deleted and created again: a new object, new Events
    recorder.record(release("web", "uid-3"), Notice.warning(Reasons.UPGRADE_FAILED, "Upgrade failed: timed out"));

    assertThat(events()).hasSize(5).allSatisfy(event -> assertThat(event.getCount()).isEqualTo(1));
  }

  @Test
  void theEventNameIsAValidObjectNameForTheLongestReleaseName() {
    String longest = "a".repeat(253);
    String name = EventRecorder.eventName(release(longest, "uid"), "Warning", "Reason", "message");
    assertThat(name).hasSizeLessThanOrEqualTo(253).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    assertThat(EventRecorder.eventName(release("web", "uid"), "Warning", "Reason", "message"))
        .isEqualTo(EventRecorder.eventName(release("web", "uid"), "Warning", "Reason", "message"))
        .startsWith("web.");
  }

  @Test
  void anEventDeletedMeanwhileIsCreatedAgain() {
    HelmRelease web = release("web", "uid-1");
    Notice notice = Notice.warning(Reasons.REPOSITORY_UNAVAILABLE, "Repository is down");
    recorder.record(web, notice);
    client.v1().events().inNamespace("apps").delete(); // expired (the API server keeps Events for an hour)
    recorder.record(web, notice);

    assertThat(events()).singleElement().extracting(Event::getCount).isEqualTo(1);
  }

  private List<Event> events() {
    return client.v1().events().inNamespace("apps").list().getItems().stream()
        .sorted(Comparator.comparing(e -> e.getMetadata().getName())).toList();
  }

  private static HelmRelease release(String name, String uid) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(name).withNamespace("apps").withUid(uid).withResourceVersion("1").build());
    return release;
  }

  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
