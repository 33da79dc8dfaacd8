package io.helmop.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ForbiddenTest {
  @Test
  void aClusterScopedRefusalNamesTheServiceAccountTheVerbTheResourceAndAClusterRoleToGrant() {
    String helm = "clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "
        + "\"system:serviceaccount:team-a:default\" cannot create resource \"clusterrolebindings\" in API group "
        + "\"rbac.authorization.k8s.io\" at the cluster scope";

    assertThat(Forbidden.explain(helm)).hasValueSatisfying(text -> assertThat(text)
        .startsWith("ServiceAccount team-a/default may not create clusterrolebindings.rbac.authorization.k8s.io at "
            + "the cluster scope")
        .contains("ClusterRoleBinding"));
  }

  @Test
  void aNamespacedRefusalSaysWhichRoleToBindInWhichNamespace() {
    String api = "secrets \"db\" is forbidden: User \"system:serviceaccount:team-a:deployer\" cannot get resource "
        + "\"secrets\" in API group \"\" in the namespace \"team-b\"";

    assertThat(Forbidden.explain(api)).hasValueSatisfying(text -> assertThat(text)
        .startsWith("ServiceAccount team-a/deployer may not get secrets in namespace team-b")
        .contains("a Role in namespace team-b"));
    assertThat(Forbidden.explain("context deadline exceeded")).isEmpty();
  }
}
