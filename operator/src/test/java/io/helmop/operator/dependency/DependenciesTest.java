package io.helmop.operator.dependency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.helmop.api.v1alpha1.DependencyReference;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.api.v1alpha1.HelmReleaseStatus;
import io.helmop.operator.ReconcileFailure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DependenciesTest {
  final Map<String, HelmRelease> cluster = new HashMap<>();
  final Dependencies dependencies = new Dependencies(key -> Optional.ofNullable(cluster.get(key)),
      key -> cluster.values().stream().filter(r -> Dependencies.dependencyKeys(r).contains(key)).toList());

  HelmRelease release(String namespace, String name, long generation, String... dependsOn) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withGeneration(generation)
        .build());
    release.setSpec(new HelmReleaseSpec());
    List<DependencyReference> refs = new ArrayList<>();
    Arrays.stream(dependsOn).forEach(d -> {
      String[] parts = d.split("/");
      refs.add(parts.length == 2 ? new DependencyReference(parts[1], parts[0]) : new DependencyReference(d, null));
    });
    release.getSpec().setDependsOn(refs);
    cluster.put(namespace + "/" + name, release);
    return release;
  }

  static void markReady(HelmRelease release, long observedGeneration, String status) {
    HelmReleaseStatus s = new HelmReleaseStatus();
    s.setObservedGeneration(observedGeneration);
    s.getConditions().add(new ConditionBuilder().withType("Ready").withStatus(status).withReason("X")
        .withObservedGeneration(observedGeneration).build());
    release.setStatus(s);
  }

  @Test
  void emptySelfAndDuplicateEntriesAreInvalidAndNamed() {
    HelmRelease self = release("apps", "app", 1, "app");
    assertThatThrownBy(() -> dependencies.validate(self)).hasMessageContaining("spec.dependsOn[0]")
        .hasMessageContaining("itself");
    HelmRelease twice = release("apps", "twice", 1, "db", "apps/db");
    assertThatThrownBy(() -> dependencies.validate(twice)).hasMessageContaining("spec.dependsOn[1]")
        .hasMessageContaining("twice");
    HelmRelease empty = release("apps", "empty", 1, "");
    assertThatThrownBy(() -> dependencies.validate(empty)).hasMessageContaining("empty name");
  }

  @Test
  void aCycleAcrossNamespacesIsSpelledOutOnEveryMember() {
    HelmRelease a = release("team-a", "a", 1, "team-b/b");
    HelmRelease b = release("team-b", "b", 1, "team-a/c");
    release("team-a", "c", 1, "a");
    assertThatThrownBy(() -> dependencies.checkNoCycle(a))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("DependencyCycle"))
        .hasMessageContaining("team-a/a -> team-b/b -> team-a/c -> team-a/a");
    assertThatThrownBy(() -> dependencies.checkNoCycle(b))
        .hasMessageContaining("team-b/b -> team-a/c -> team-a/a -> team-b/b");
  }

  @Test
  void aDiamondIsNotACycle() {
    HelmRelease app = release("apps", "app", 1, "left", "right");
    release("apps", "left", 1, "base");
    release("apps", "right", 1, "base");
    release("apps", "base", 1);
    assertThatCode(() -> dependencies.checkNoCycle(app)).doesNotThrowAnyException();
  }

  @Test
  void waitsUntilEveryDependencyIsReadyForItsCurrentGeneration() throws Exception {
    HelmRelease app = release("apps", "app", 1, "platform/foundation");
    assertThatThrownBy(() -> dependencies.awaitReady(app))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("DependencyNotFound");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.WAIT);
        }).hasMessageContaining("platform/foundation");

    HelmRelease foundation = release("platform", "foundation", 2);
    markReady(foundation, 1, "True"); // Ready, but for the previous generation
    assertThatThrownBy(() -> dependencies.awaitReady(app))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("DependencyNotReady"))
        .hasMessageContaining("platform/foundation (generation 2 not reconciled yet)");

    markReady(foundation, 2, "True");
    dependencies.awaitReady(app);

    foundation.getSpec().setSuspend(true);
    assertThatThrownBy(() -> dependencies.awaitReady(app)).hasMessageContaining("it is suspended");
  }

  @Test
  void aChangedReleaseWakesItsDependentsAndWhenLeavingItsDependencies() {
    HelmRelease foundation = release("platform", "foundation", 1);
    HelmRelease app = release("apps", "app", 1, "platform/foundation");
    assertThat(dependencies.affectedBy(foundation)).containsExactly("apps/app");
    assertThat(dependencies.affectedBy(app)).isEmpty();
    app.getMetadata().setDeletionTimestamp("2026-11-24T10:00:00Z");
    assertThat(dependencies.affectedBy(app)).containsExactly("platform/foundation");
  }
}
