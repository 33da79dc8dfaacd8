package io.helmop.operator.values;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.SecretReference;
import io.helmop.api.v1alpha1.ValuesReference;
import io.helmop.operator.tenancy.ServiceAccount;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which watches ReferenceWatcher holds for which references, and whom an edit wakes. */
@EnableKubernetesMockClient(crud = true)
class ReferenceWatcherTest {
  KubernetesClient client;
  KubernetesMockServer server;
  ReferenceWatcher watcher;
  final Map<ResourceID, Integer> wakes = new ConcurrentHashMap<>();

  ReferenceWatcher start(ReferenceWatcher w) {
    watcher = w;
    w.eventSource().setEventHandler(event -> wakes.merge(event.getRelatedCustomResourceID(), 1, Integer::sum));
    w.eventSource().start();
    return w;
  }

  @AfterEach
  void tearDown() {
    if (watcher != null) {
      watcher.close();
    }
  }

  @Test
  void twentyReleasesWithAConfigMapEachShareOneWatchAndAnEditWakesOnlyItsRelease() {
    start(new ReferenceWatcher(client));
    List<HelmRelease> releases = new ArrayList<>();
    IntStream.range(0, 20).forEach(i -> {
      HelmRelease release = release("apps", "web-" + i, null, configMapRef("values-" + i));
      watcher.follow(release);
      releases.add(release);
    });
    assertThat(watcher.watches()).isEqualTo(1);
    // each creation wakes its release (followed before, so none is missed); let all 20 in before the edit
    IntStream.range(0, 20).forEach(i -> configMap("apps", "values-" + i, "1"));
    eventually(() -> assertThat(wakes).hasSize(20));
    wakes.clear();

    configMap("apps", "values-7", "2");

    ResourceID seventh = ResourceID.fromResource(releases.get(7));
    eventually(() -> assertThat(wakes).containsKey(seventh));
    // an edit of another object after it: once it has woken its release, the first edit's events are all in
    configMap("apps", "values-8", "2");
    eventually(() -> assertThat(wakes).containsKey(ResourceID.fromResource(releases.get(8))));
    assertThat(wakes.keySet()).containsExactlyInAnyOrder(seventh, ResourceID.fromResource(releases.get(8)));
  }

  @Test
  void anObjectCreatedAfterTheReferenceWakesTheRelease() {
    start(new ReferenceWatcher(client));
    HelmRelease release = release("apps", "web", null, configMapRef("later"));
    watcher.follow(release);

    configMap("apps", "later", "1");

    eventually(() -> assertThat(wakes).containsKey(ResourceID.fromResource(release)));
  }

  @Test
  void secretsAndConfigMapsAreWatchedPerKindAndTheLastReferrerClosesTheWatch() {
    start(new ReferenceWatcher(client));
    HelmRelease a = release("apps", "a", "chart-auth", configMapRef("values-a"), secretRef("secret-a"));
    HelmRelease b = release("apps", "b", "chart-auth", secretRef("secret-b"));
    HelmRelease elsewhere = release("other", "c", null, configMapRef("values-c"));
    watcher.follow(a);
    watcher.follow(b);
    watcher.follow(elsewhere);
    assertThat(watcher.watches()).isEqualTo(3); // Secrets and ConfigMaps of apps, ConfigMaps of other

    secret("apps", "secret-b");
    eventually(() -> assertThat(wakes).containsKey(ResourceID.fromResource(b)));
    assertThat(wakes).doesNotContainKey(ResourceID.fromResource(a));

    watcher.forget(a);
    assertThat(watcher.watches()).isEqualTo(2); // b still references Secrets of apps
    b.getSpec().setValuesFrom(null);
    b.getSpec().getChart().setSecretRef(null);
    watcher.follow(b);
    watcher.forget(elsewhere);
    assertThat(watcher.watches()).isZero();
  }

  @Test
  void releasesActingAsDifferentServiceAccountsWatchSeparately() {
    start(new ReferenceWatcher(client, release -> Optional.ofNullable(release.getSpec().getServiceAccountName())
        .map(name -> new ServiceAccount(release.getMetadata().getNamespace(), name))));
    HelmRelease asDeployer = release("apps", "a", null, configMapRef("shared"));
    asDeployer.getSpec().setServiceAccountName("deployer");
    HelmRelease asReader = release("apps", "b", null, configMapRef("shared"));
    asReader.getSpec().setServiceAccountName("reader");
    HelmRelease alsoDeployer = release("apps", "c", null, configMapRef("other"));
    alsoDeployer.getSpec().setServiceAccountName("deployer");
    watcher.follow(asDeployer);
    watcher.follow(asReader);
    watcher.follow(alsoDeployer);
    assertThat(watcher.watches()).isEqualTo(2);

    configMap("apps", "shared", "2");

    eventually(() -> assertThat(wakes).containsKeys(ResourceID.fromResource(asDeployer),
        ResourceID.fromResource(asReader)));
  }

  @Test
  void whereTheNamespaceMayNotBeListedEachReferencedObjectIsWatchedByName() {
    // a ServiceAccount allowed to read the two Secrets it needs, not to list the namespace's Secrets
    server.expect().get().withPath("/api/v1/namespaces/locked/secrets?resourceVersion=0")
        .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
            "secrets is forbidden: User \"system:serviceaccount:locked:tenant\" cannot list resource \"secrets\"")
            .build()).always();
    start(new ReferenceWatcher(client));
    HelmRelease first = release("locked", "first", "chart-auth", secretRef("values-first"));
    HelmRelease second = release("locked", "second", null, secretRef("values-second"));
    watcher.follow(first);
    watcher.follow(second);
    assertThat(watcher.watches()).isEqualTo(3); // chart-auth, values-first, values-second

    secret("locked", "values-second");

    eventually(() -> assertThat(wakes).containsKey(ResourceID.fromResource(second)));
    assertThat(wakes).doesNotContainKey(ResourceID.fromResource(first));
    watcher.forget(first);
    assertThat(watcher.watches()).isEqualTo(1);
    watcher.forget(second);
    assertThat(watcher.watches()).isZero();
  }

  @Test
  void theWatchesAskTheApiServerForMetadataOnly() throws Exception {
    start(new ReferenceWatcher(client));
    watcher.follow(release("apps", "web", null, secretRef("values")));

    var accepts = new ArrayList<String>();
    for (int i = 0; i < server.getRequestCount(); i++) {
      var request = server.takeRequest();
      if (request.getPath().startsWith("/api/v1/namespaces/apps/secrets")) {
        accepts.add(request.getPath() + " " + request.getHeader("Accept"));
      }
    }
    assertThat(accepts).isNotEmpty().allSatisfy(line -> assertThat(line).contains("as=PartialObjectMetadata"));
    assertThat(accepts).anySatisfy(line -> assertThat(line).contains("watch=true")
        .endsWith("as=PartialObjectMetadata;g=meta.k8s.io;v=v1"));
    assertThat(accepts).anySatisfy(line -> assertThat(line).doesNotContain("watch=true")
        .endsWith("as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"));
  }

  /** Events arrive on the informers' threads; no timing is asserted, a wait only bounds a failing run. */
  static void eventually(Runnable assertion) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  void configMap(String namespace, String name, String value) {
    client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build())
        .withData(Map.of("values.yaml", "value: " + value)).build()).createOr(existing -> existing.update());
  }

  void secret(String namespace, String name) {
    client.secrets().inNamespace(namespace).resource(new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build())
        .withStringData(Map.of("values.yaml", "password: x")).build()).create();
  }

  static ValuesReference configMapRef(String name) {
    ValuesReference ref = new ValuesReference();
    ref.setKind("ConfigMap");
    ref.setName(name);
    return ref;
  }

  static ValuesReference secretRef(String name) {
    ValuesReference ref = new ValuesReference();
    ref.setKind("Secret");
    ref.setName(name);
    return ref;
  }

  static HelmRelease release(String namespace, String name, String chartSecret, ValuesReference... refs) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    HelmReleaseSpec spec = new HelmReleaseSpec();
    ChartSpec chart = new ChartSpec();
    if (chartSecret != null) {
      chart.setSecretRef(new SecretReference(chartSecret));
    }
    spec.setChart(chart);
    spec.setValuesFrom(new ArrayList<>(List.of(refs)));
    release.setSpec(spec);
    return release;
  }
}
