package io.helmop.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.api.v1alpha1.DriftIgnoreRule;
import io.helmop.api.v1alpha1.DriftTarget;
import io.helmop.operator.ReconcileFailure;
import java.util.List;
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
        rule(null, null, "/metadata/annotations/example.com~1owner")), KINDS);

    assertThat(rules.pathsFor(new ObjectRef("apps/v1", "Deployment", "ns", "web")))
        .containsExactly("/spec/replicas", "/metadata/annotations/example.com~1owner");
    assertThat(rules.pathsFor(new ObjectRef("v1", "ConfigMap", "ns", "web")))
        .containsExactly("/metadata/annotations/example.com~1owner");
  }

  @Test
  void aPathThatIsNotAJsonPointerIsNamed() {
    assertThatThrownBy(() -> IgnoreRules.validate(List.of(rule("apps", "Deployment", "spec.replicas")), KINDS))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("InvalidSpec");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
          assertThat(f.getMessage()).contains("spec.driftDetection.ignore[0].paths[0]", "\"spec.replicas\"",
              "/spec/replicas");
        });
    assertThatThrownBy(() -> IgnoreRules.validate(List.of(rule(null, null, "/a/~2")), KINDS))
        .hasMessageContaining("\"/a/~2\"");
  }

  @Test
  void anUnknownKindIsNamed() {
    assertThatThrownBy(() -> IgnoreRules.validate(List.of(rule("apps", "Deploymnet", "/spec")), KINDS))
        .hasMessageContaining("spec.driftDetection.ignore[0].target.kind \"Deploymnet\"")
        .hasMessageContaining("group apps");
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
