package io.helmop.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.operator.config.HelmKubeconfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceAccountKubeconfigsTest {
  @TempDir
  Path dir;

  @Test
  void theCurrentUserImpersonatesTheServiceAccountAndRelativePathsStillReachTheOperatorsFiles() throws Exception {
    Path operator = dir.resolve("conf").resolve("kubeconfig");
    Files.createDirectories(operator.getParent());
    Files.writeString(operator, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster: {server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt}
        users:
        - name: admin
          user: {client-certificate: pki/admin.crt, client-key: /abs/admin.key, as-groups: [system:masters]}
        - name: other
          user: {token: t}
        contexts:
        - name: main
          context: {cluster: c, user: admin}
        current-context: main
        """);
    var kubeconfigs = new ServiceAccountKubeconfigs(HelmKubeconfig.fromFile(operator), dir.resolve("work"));

    HelmKubeconfig tenant = kubeconfigs.forServiceAccount(new ServiceAccount("team-a", "deployer"));

    String written = Files.readString(tenant.file());
    assertThat(written).contains("as: \"system:serviceaccount:team-a:deployer\"")
        .doesNotContain("system:masters") // a group of the operator's would widen the tenant's rights
        .contains(operator.getParent().resolve("pki/ca.crt").toString())
        .contains(operator.getParent().resolve("pki/admin.crt").toString())
        .contains("/abs/admin.key");
    assertThat(written.indexOf("as:")).isLessThan(written.indexOf("name: \"other\""));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tenant.file()))).isEqualTo("rw-------");
    assertThat(kubeconfigs.forServiceAccount(new ServiceAccount("team-a", "deployer"))).isSameAs(tenant);

    kubeconfigs.close();
    assertThat(tenant.file()).doesNotExist();
  }

  @Test
  void inAPodTheServiceAccountTokenFileIsReferredToNotCopied() throws Exception {
    var kubeconfigs = new ServiceAccountKubeconfigs(HelmKubeconfig.inCluster("10.96.0.1", "443"), dir);

    String written = kubeconfigs.impersonating(new ServiceAccount("team-b", "default"));

    assertThat(written).contains("tokenFile: \"/var/run/secrets/kubernetes.io/serviceaccount/token\"")
        .contains("as: \"system:serviceaccount:team-b:default\"");
  }
}
