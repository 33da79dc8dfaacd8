package io.helmop.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.api.v1alpha1.DriftIgnoreRule;
import io.helmop.api.v1alpha1.DriftTarget;
import io.helmop.operator.ReconcileFailure;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IgnoreRulesTest {
  /** A catalog that serves Deployments (apps) and ConfigMaps (core) only; never asks a server. */
  private static final KindCatalog KINDS = new KindCatalog(null, java.time.Clock.systemUTC()) {
    @Override
    public boolean isServed(String group, String kind) {
      return ("Deployment".equals(kind) && (group == null || "apps".equals(group)))
          || ("ConfigMap".equals(kind) && (group == null || group.isEmpty()));
    }
  };

  @Test
  void rulesApplyToTheObjectsTheyTarget() throws ReconcileFailure {
    IgnoreRules rules = IgnoreRules.validate(List.of(rule("apps", "Deployment", "/spec/replicas"),
        rule(null, null, "/metadata/annotations/example.com~1owner")), null, KINDS);

    assertThat(rules.pathsFor(new ObjectRef("apps/v1", "Deployment", "ns", "web")))
        .containsExactly("/spec/replicas", "/metadata/annotations/example.com~1owner");
    assertThat(rules.pathsFor(new ObjectRef("v1", "ConfigMap", "ns", "web")))
        .containsExactly("/metadata/annotations/example.com~1owner");
  }

  @Test
  void aPathThatIsNotAJsonPointerIsNamed() {
    assertThatThrownBy(() -> IgnoreRules.validate(List.of(rule("apps", "Deployment", "spec.replicas")), null, KINDS))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("InvalidSpec");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
          assertThat(f.getMessage()).contains("spec.driftDetection.ignore[0].paths[0]", "\"spec.replicas\"",
              "/spec/replicas");
        });
    assertThatThrownBy(() -> IgnoreRules.validate(List.of(rule(null, null, "/a/~2")), null, KINDS))
        .hasMessageContaining("\"/a/~2\"");
  }

  @Test
  void anUnknownKindIsNamed() {
    assertThatThrownBy(() -> IgnoreRules.validate(List.of(rule("apps", "Deploymnet", "/spec")), null, KINDS))
        .hasMessageContaining("spec.driftDetection.ignore[0].target.kind \"Deploymnet\"")
        .hasMessageContaining("group apps");
  }

  @Test
  void byDefaultOnlyPeoplesEditsCountAndAListReplacesThem() throws ReconcileFailure {
    IgnoreRules defaults = IgnoreRules.validate(null, null, KINDS);
    assertThat(defaults.counts(Set.of("kubectl-edit"))).isTrue();
    assertThat(defaults.counts(Set.of("kubectl-client-side-apply"))).isTrue();
    assertThat(defaults.counts(Set.of("kube-controller-manager"))).as("an autoscaler's replicas").isFalse();
    assertThat(defaults.counts(Set.of("cainjector"))).as("an injected CA bundle").isFalse();
    assertThat(defaults.counts(Set.of("cainjector", "kubectl-patch"))).as("a person wrote it too").isTrue();
    assertThat(defaults.counts(Set.of())).as("a field removed live: nobody owns it").isTrue();

    IgnoreRules listed = IgnoreRules.validate(null, List.of("argocd-controller", "ops-*"), KINDS);
    assertThat(listed.counts(Set.of("ops-bot"))).isTrue();
    assertThat(listed.counts(Set.of("argocd-controller"))).isTrue();
    assertThat(listed.counts(Set.of("kubectl-edit"))).as("the list replaces the default").isFalse();
    assertThat(IgnoreRules.validate(null, List.of("*"), KINDS).counts(Set.of("anything"))).isTrue();
    assertThat(defaults.everyWriter().counts(Set.of("helm"))).as("restoring after a stopped upgrade").isTrue();

    assertThatThrownBy(() -> IgnoreRules.validate(null, Arrays.asList("kubectl*", " "), KINDS))
        .hasMessageContaining("spec.driftDetection.fieldManagers[1] is empty");
  }

  private static DriftIgnoreRule rule(String group, String kind, String path) {
    DriftIgnoreRule rule = new DriftIgnoreRule();
    if (kind != null) {
      DriftTarget target = new DriftTarget();
      target.setGroup(group);
      target.setKind(kind);
      rule.setTarget(target);
    }
    rule.setPaths(List.of(path));
    return rule;
  }
}
