package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.api.v1alpha1.GitSource;
import io.helmop.operator.ReconcileFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private Git repository over SSH: Apache MINA sshd on 127.0.0.1 that lets in one public key, with the Secret's
 * identity and known_hosts in the formats a user gets from ssh-keygen and ssh-keyscan (made by {@link GitSshKeys}).
 */
class GitSshTest {
  static final String PASSPHRASE = "key-pa55-not-in-messages";
  static final Duration INTERVAL = Duration.ofMinutes(10);

  static KeyPair clientKey;
  static KeyPair encryptedKey;
  static KeyPair hostKey;
  static KeyPair otherHostKey;
  static String identity;
  static String wrongIdentity;
  static String encryptedIdentity;

  @TempDir Path dir;
  Path work;
  GitSshServer server;
  String knownHosts;

  /** Once for the class: the client's key (authorised by the server), a stranger's key, and host keys. */
  @BeforeAll
  static void makeKeys() throws Exception {
    clientKey = GitSshKeys.ed25519();
    identity = GitSshKeys.openSshPrivateKey(clientKey, "id_ed25519", null);
    wrongIdentity = GitSshKeys.openSshPrivateKey(GitSshKeys.ed25519(), "wrong", null);
    encryptedKey = GitSshKeys.rsa();
    encryptedIdentity = GitSshKeys.openSshPrivateKey(encryptedKey, "encrypted", PASSPHRASE);
    hostKey = GitSshKeys.ed25519();
    otherHostKey = GitSshKeys.ed25519();
  }

  @BeforeEach
  void serve() throws Exception {
    Path repositories = GitCredentialsTest.chartRepository(dir);
    work = dir.resolve("work");
    server = new GitSshServer(repositories, hostKey, clientKey.getPublic());
    knownHosts = GitSshKeys.knownHostsLine("127.0.0.1", server.port(), hostKey.getPublic());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void theSecretsKeyAndKnownHostsOpenARepositoryOverSshAndTheDigestIsStable() throws Exception {
    long start = System.nanoTime();
    ResolvedChart first = git(Clock.systemUTC()).resolve(source(), INTERVAL, ssh(identity, knownHosts));
    long cloned = System.nanoTime();
    ResolvedChart again = git(Clock.systemUTC()).resolve(source(), Duration.ZERO, ssh(identity, knownHosts));
    long fetched = System.nanoTime();
    System.out.printf("Git over SSH: first resolve (clone) %d ms, second (fresh source, clone) %d ms%n",
        (cloned - start) / 1_000_000, (fetched - cloned) / 1_000_000);

    assertThat(first.nameAndVersion()).isEqualTo("hello-0.3.0");
    assertThat(again.digest()).isEqualTo(first.digest());
  }

  @Test
  void aNewCommitOnTheFollowedBranchIsPickedUpAfterTheRefreshInterval() throws Exception {
    var clock = new SteppingClock();
    GitChartSource git = git(clock);
    RepositoryCredentials credentials = ssh(identity, knownHosts);
    assertThat(git.resolve(source(), INTERVAL, credentials).nameAndVersion()).isEqualTo("hello-0.3.0");

    Files.writeString(work.resolve("charts/hello/Chart.yaml"), "apiVersion: v2\nname: hello\nversion: 0.4.0\n");
    GitCredentialsTest.commit(work, "0.4.0");
    run(work, "git", "push", "-q", dir.resolve("repos/charts.git").toString(), "main");
    clock.advance(INTERVAL.minusSeconds(1));
    assertThat(git.resolve(source(), INTERVAL, credentials).nameAndVersion()).isEqualTo("hello-0.3.0");

    clock.advance(Duration.ofSeconds(1));
    long start = System.nanoTime();
    assertThat(git.resolve(source(), INTERVAL, credentials).nameAndVersion()).isEqualTo("hello-0.4.0");
    System.out.printf("Git over SSH: resolve with a fetch of one new commit %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
  }

  @Test
  void aKnownHostsLineWithAHashedHostNameIsMatched() throws Exception {
    String hashed = GitSshKeys.hashedKnownHostsLine("127.0.0.1", server.port(), hostKey.getPublic());
    assertThat(hashed).startsWith("|1|").doesNotContain("127.0.0.1");

    assertThat(git(Clock.systemUTC()).resolve(source(), INTERVAL, ssh(identity, hashed)).nameAndVersion())
        .isEqualTo("hello-0.3.0");
  }

  @Test
  void aKeyTheServerDoesNotKnowGivesGitAuthFailedWithoutTheKey() {
    assertThatThrownBy(() -> git(Clock.systemUTC()).resolve(source(), INTERVAL, ssh(wrongIdentity, knownHosts)))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("GitAuthFailed"))
        .hasMessageContaining("spec.chart.secretRef").hasMessageContaining("Secret apps/git-ssh")
        .hasMessageContaining("identity")
        .satisfies(failure -> assertThat(keyLines(wrongIdentity))
            .noneMatch(line -> failure.getMessage().contains(line)));
  }

  @Test
  void anEncryptedKeyOpensWithTheSecretsPasswordAndIsRefusedWithoutIt() throws Exception {
    var rsaServer = new GitSshServer(dir.resolve("repos"), hostKey, encryptedKey.getPublic());
    try (rsaServer) {
      GitSource source = GitCredentialsTest.source(rsaServer.url("charts.git"));
      String rsaKnownHosts = GitSshKeys.knownHostsLine("127.0.0.1", rsaServer.port(), hostKey.getPublic());
      var withPassword = new RepositoryCredentials("apps/git-ssh", null, PASSPHRASE, null, null, null,
          encryptedIdentity, rsaKnownHosts);
      assertThat(git(Clock.systemUTC()).resolve(source, INTERVAL, withPassword).nameAndVersion())
          .isEqualTo("hello-0.3.0");

      assertThatThrownBy(() -> git(Clock.systemUTC()).resolve(source, INTERVAL,
          ssh(encryptedIdentity, rsaKnownHosts)))
          .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.kind())
              .isEqualTo(ReconcileFailure.Kind.STALL))
          .hasMessageContaining("identity").hasMessageContaining("password")
          .hasMessageNotContaining(PASSPHRASE);
    }
  }

  @Test
  void aSecretWithoutKnownHostsIsRefusedBeforeAnyConnection() {
    assertThatThrownBy(() -> git(Clock.systemUTC()).resolve(source(), INTERVAL, ssh(identity, null)))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("InvalidCredentials");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
        })
        .hasMessageContaining("Secret apps/git-ssh (spec.chart.secretRef) has no key known_hosts");
    assertThat(dir.resolve("mirrors")).doesNotExist();
  }

  @Test
  void aHostKeyThatIsNotTheOneInKnownHostsIsRefused() throws Exception {
    String impostor = GitSshKeys.knownHostsLine("127.0.0.1", server.port(), otherHostKey.getPublic());
    assertThatThrownBy(() -> git(Clock.systemUTC()).resolve(source(), INTERVAL, ssh(identity, impostor)))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.reason()).isEqualTo("GitHostKeyMismatch"))
        .hasMessageContaining("known_hosts of Secret apps/git-ssh (spec.chart.secretRef)")
        .hasMessageContaining("not among the keys for that host");

    String otherHost = GitSshKeys.knownHostsLine("git.example.com", server.port(), otherHostKey.getPublic());
    assertThatThrownBy(() -> git(Clock.systemUTC()).resolve(source(), INTERVAL, ssh(identity, otherHost)))
        .isInstanceOfSatisfying(ReconcileFailure.class,
            f -> assertThat(f.reason()).isEqualTo("GitHostKeyMismatch"))
        .hasMessageContaining("no line names that host");
  }

  @Test
  void anSshUrlWithoutSecretRefIsRefused() {
    assertThatThrownBy(() -> git(Clock.systemUTC()).resolve(source(), INTERVAL, RepositoryCredentials.NONE))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("InvalidSpec"))
        .hasMessageContaining("set spec.chart.secretRef");
  }

  @Test
  void sshAndScpLikeUrlsGoOverSshOthersDoNot() {
    assertThat(GitSsh.isSsh("ssh://git@github.com/org/charts.git")).isTrue();
    assertThat(GitSsh.isSsh("git@github.com:org/charts.git")).isTrue();
    assertThat(GitSsh.isSsh("https://github.com/org/charts.git")).isFalse();
    assertThat(GitSsh.isSsh("git://127.0.0.1/charts.git")).isFalse();
  }

  GitSource source() {
    return GitCredentialsTest.source(server.url("charts.git"));
  }

  GitChartSource git(Clock clock) {
    return GitCredentialsTest.git(dir, clock);
  }

  static RepositoryCredentials ssh(String identity, String knownHosts) {
    return new RepositoryCredentials("apps/git-ssh", null, null, null, null, null, identity, knownHosts);
  }

  /** The base64 lines of a private key: none may show up in a message. */
  static List<String> keyLines(String privateKey) {
    return privateKey.lines().filter(line -> !line.startsWith("-----") && !line.isBlank()).toList();
  }

  static String run(Path workDir, String... command) throws Exception {
    Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(workDir.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command)).isZero();
    return output;
  }

  /** Time that moves only when the test says so. */
  static final class SteppingClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration step) {
      now = now.plus(step);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
