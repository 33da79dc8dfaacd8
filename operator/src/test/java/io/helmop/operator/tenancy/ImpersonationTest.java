package io.helmop.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import io.helmop.operator.config.HelmKubeconfig;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImpersonationTest {
  private KubernetesMockServer server;
  private KubernetesClient operatorClient;
  @TempDir
  Path work;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expect().get().withPath("/api/v1/namespaces/team-a/secrets").andReturn(200, new SecretListBuilder()
        .build()).always();
    operatorClient = server.createClient();
  }

  @AfterEach
  void stop() {
    operatorClient.close();
    server.destroy();
  }

  static HelmRelease release(String namespace, String serviceAccount) {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName("web").build());
    HelmReleaseSpec spec = new HelmReleaseSpec();
    spec.setServiceAccountName(serviceAccount);
    release.setSpec(spec);
    return release;
  }

  private Impersonation impersonation(Optional<String> defaultServiceAccount) throws Exception {
    Path kubeconfig = work.resolve("operator.kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: operator, user: {token: operator-token}}]
        contexts: [{name: x, context: {cluster: c, user: operator}}]
        current-context: x
        """);
    return new Impersonation(operatorClient, new ServiceAccountKubeconfigs(HelmKubeconfig.fromFile(kubeconfig),
        work.resolve("impersonation")), defaultServiceAccount);
  }

  private String impersonatedUserOfNextRequest() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).isNotNull();
    return request.getHeader("Impersonate-User");
  }

  @Test
  void requestsMadeForAReleaseGoOutAsItsServiceAccountAndOthersAsTheOperator() throws Exception {
    Impersonation impersonation = impersonation(Optional.empty());
    KubernetesClient releaseClient = impersonation.releaseClient();

    try (var acting = impersonation.actFor(release("team-a", "deployer"))) {
      releaseClient.secrets().inNamespace("team-a").list();
      assertThat(impersonation.kubeconfig().file()).isNotNull();
      assertThat(Files.readString(impersonation.kubeconfig().file()))
          .contains("as: \"system:serviceaccount:team-a:deployer\"").contains("operator-token");
    }
    assertThat(impersonatedUserOfNextRequest()).isEqualTo("system:serviceaccount:team-a:deployer");

    releaseClient.secrets().inNamespace("team-a").list(); // no release bound: single-tenant, the operator itself
    assertThat(impersonatedUserOfNextRequest()).isNull();
    try (var acting = impersonation.actFor(release("team-a", null))) {
      releaseClient.secrets().inNamespace("team-a").list();
      assertThat(impersonation.kubeconfig().file()).isEqualTo(work.resolve("operator.kubeconfig"));
    }
    assertThat(impersonatedUserOfNextRequest()).isNull();
  }

  @Test
  void inLockdownAReleaseWithoutServiceAccountActsAsTheDefaultOneAndNothingBorrowsTheOperatorsRights()
      throws Exception {
    Impersonation impersonation = impersonation(Optional.of("helmop-release"));
    KubernetesClient releaseClient = impersonation.releaseClient();

    try (var acting = impersonation.actFor(release("team-a", null))) {
      releaseClient.secrets().inNamespace("team-a").list();
    }
    assertThat(impersonatedUserOfNextRequest()).isEqualTo("system:serviceaccount:team-a:helmop-release");

    assertThatThrownBy(() -> releaseClient.secrets().inNamespace("team-a").list())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("operator's own rights");
    assertThatThrownBy(impersonation::kubeconfig).isInstanceOf(IllegalStateException.class);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }
}
