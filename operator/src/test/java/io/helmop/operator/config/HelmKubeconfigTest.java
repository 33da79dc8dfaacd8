package io.helmop.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HelmKubeconfigTest {

  @Test
  void inClusterKubeconfigReadsTheRotatingTokenFileAndTheClusterCa() {
    AtomicReference<String> contents = new AtomicReference<>();
    HelmKubeconfig.inCluster("10.0.0.1", "443").apply(file -> {
      throw new AssertionError("in-cluster config is passed as contents, not a file");
    }, contents::set);

    Config config = Serialization.unmarshal(contents.get(), Config.class);
    assertThat(config.getCurrentContext()).isEqualTo("in-cluster");
    assertThat(config.getClusters().get(0).getCluster().getServer()).isEqualTo("https://10.0.0.1:443");
    assertThat(config.getClusters().get(0).getCluster().getCertificateAuthority())
        .isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
    assertThat(config.getUsers().get(0).getUser().getTokenFile())
        .isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount/token");
  }

  @Test
  void ipv6ServiceHostsAreBracketed() {
    AtomicReference<String> contents = new AtomicReference<>();
    HelmKubeconfig.inCluster("fd00::1", "443").apply(file -> { }, contents::set);
    assertThat(contents.get()).contains("server: https://[fd00::1]:443");
  }
}
