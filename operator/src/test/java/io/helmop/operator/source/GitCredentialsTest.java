package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.api.v1alpha1.GitSource;
import io.helmop.operator.ReconcileFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A private Git repository over HTTP (`git http-backend` behind basic auth on 127.0.0.1). */
class GitCredentialsTest {
  static final String PASSWORD = "git-pa55-not-in-messages";

  @TempDir Path dir;
  GitHttpServer server;

  @BeforeEach
  void serve() throws Exception {
    server = new GitHttpServer(chartRepository(dir), "reader", PASSWORD);
  }

  /**
   * A working copy dir/work with chart hello 0.3.0 in charts/hello on branch main, cloned bare into
   * dir/repos/charts.git; returns dir/repos, the folder a Git server serves.
   */
  static Path chartRepository(Path dir) throws Exception {
    Path work = dir.resolve("work");
    Files.createDirectories(work.resolve("charts/hello"));
    Files.writeString(work.resolve("charts/hello/Chart.yaml"), "apiVersion: v2\nname: hello\nversion: 0.3.0\n");
    git(dir, "init", "-q", "-b", "main", work.toString());
    commit(work, "chart");
    git(dir, "clone", "-q", "--bare", work.toString(), dir.resolve("repos/charts.git").toString());
    return dir.resolve("repos");
  }

  static void commit(Path work, String message) throws Exception {
    git(work, "add", "-A");
    git(work, "-c", "user.email=ci@helmop.io", "-c", "user.name=ci", "commit", "-q", "-m", message);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  GitSource source() {
    return source(server.url("charts.git"));
  }

  /** The chart of {@link #chartRepository}. */
  static GitSource source(String url) {
    GitSource source = new GitSource();
    source.setUrl(url);
    source.setRef("main");
    source.setPath("charts/hello");
    return source;
  }

  GitChartSource git() {
    return git(dir, Clock.systemUTC());
  }

  static GitChartSource git(Path dir, Clock clock) {
    return new GitChartSource(dir.resolve("mirrors"), new ChartCache(dir.resolve("cache"), 1 << 30), clock);
  }

  static RepositoryCredentials credentials(String password) {
    return new RepositoryCredentials("apps/git", "reader", password, null, null, null);
  }

  @Test
  void theSecretsUsernameAndPasswordOpenAPrivateRepository() throws Exception {
    ResolvedChart chart = git().resolve(source(), Duration.ofMinutes(10), credentials(PASSWORD));
    assertThat(chart.nameAndVersion()).isEqualTo("hello-0.3.0");
  }

  @Test
  void wrongOrMissingCredentialsNameTheSecretRefAndAMirrorIsNotSharedAcrossSecrets() throws Exception {
    GitChartSource git = git();
    git.resolve(source(), Duration.ofMinutes(10), credentials(PASSWORD));

    var wrong = new RepositoryCredentials("apps/other", "reader", "wrong-" + PASSWORD, null, null, null);
    assertThatThrownBy(() -> git.resolve(source(), Duration.ofMinutes(10), wrong))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> assertThat(f.reason()).isEqualTo("GitAuthFailed"))
        .hasMessageContaining("spec.chart.secretRef").hasMessageContaining("Secret apps/other")
        .hasMessageNotContaining(PASSWORD);
    assertThatThrownBy(() -> git.resolve(source(), Duration.ofMinutes(10), RepositoryCredentials.NONE))
        .hasMessageContaining("requires credentials").hasMessageContaining("spec.chart.secretRef");
  }

  static void git(Path workDir, String... args) throws Exception {
    var command = new java.util.ArrayList<>(java.util.List.of("git"));
    command.addAll(java.util.List.of(args));
    Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(output).isZero();
  }
}
