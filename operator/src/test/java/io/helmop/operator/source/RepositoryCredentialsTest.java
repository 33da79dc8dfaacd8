package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.operator.ReconcileFailure;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the keys of the Secret named by spec.chart.secretRef are read. */
class RepositoryCredentialsTest {
  static final String KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n-----END OPENSSH PRIVATE KEY-----\n";

  @Test
  void anSshKeyComesWithItsKnownHostsAndAPasswordAloneIsItsPassphrase() throws Exception {
    RepositoryCredentials credentials = RepositoryCredentials.of("apps/git-ssh", data(
        "identity", KEY, "known_hosts", "git.example.com ssh-ed25519 AAAA\n", "password", "passphrase"));

    assertThat(credentials.sshIdentity()).isEqualTo(KEY);
    assertThat(credentials.knownHosts()).isEqualTo("git.example.com ssh-ed25519 AAAA\n");
    assertThat(credentials.password()).isEqualTo("passphrase");
    assertThat(credentials.hasBasicAuth()).isFalse();
    assertThat(credentials.toString()).isEqualTo("credentials from Secret apps/git-ssh");
  }

  @Test
  void aPasswordWithoutUsernameOrSshKeyIsStillRefused() {
    assertThatThrownBy(() -> RepositoryCredentials.of("apps/basic", data("password", "pa55")))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.reason()).isEqualTo("InvalidCredentials"))
        .hasMessageContaining("a password but no username").hasMessageNotContaining("pa55");
  }

  private static Map<String, String> data(String... keysAndValues) {
    Map<String, String> data = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      data.put(keysAndValues[i], Base64.getEncoder()
          .encodeToString(keysAndValues[i + 1].getBytes(StandardCharsets.UTF_8)));
    }
    return data;
  }
}
