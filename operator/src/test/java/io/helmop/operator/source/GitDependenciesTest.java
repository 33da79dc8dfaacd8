package io.helmop.operator.source;

import static io.helmop.operator.source.GitCredentialsTest.commit;
import static io.helmop.operator.source.GitCredentialsTest.git;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.helmop.api.v1alpha1.GitSource;
import io.helmop.operator.ReconcileFailure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git charts with dependencies, .helmignore, and repositories shaped as real ones are: a Helm repository and a
 * Git server (`git http-backend`) on 127.0.0.1.
 */
class GitDependenciesTest {
  static final String PASSWORD = "deps-pa55";

  @TempDir Path dir;
  GitHttpServer gitServer;
  HttpServer charts;
  final Map<String, byte[]> served = new ConcurrentHashMap<>();
  Path work;

  @BeforeEach
  void serve() throws Exception {
    charts = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    charts.createContext("/", exchange -> {
      String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(("reader:" + PASSWORD)
          .getBytes(StandardCharsets.UTF_8));
      if (exchange.getRequestURI().getPath().startsWith("/private/")
          && !expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.sendResponseHeaders(401, -1);
        exchange.close();
        return;
      }
      byte[] body = served.get(exchange.getRequestURI().getPath());
      exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      exchange.close();
    });
    charts.start();
    publish("", "postgresql", "1.0.0", "1.1.0");
    publish("/private", "postgresql", "1.0.0");

    work = dir.resolve("work");
    write("charts/payment-service/Chart.yaml", """
        apiVersion: v2
        name: payment-service
        version: 0.1.0
        dependencies:
          - name: postgresql
            version: 1.x
            repository: %s
            condition: postgresql.enabled
            alias: db
          - name: common
            version: 0.2.0
            repository: file://../../libs/common
        """.formatted(repositoryUrl()));
    write("charts/payment-service/Chart.lock", """
        dependencies:
          - name: postgresql
            repository: %s
            version: 1.0.0
        """.formatted(repositoryUrl()));
    write("charts/payment-service/.helmignore", "*.md\nscratch/\n");
    write("charts/payment-service/README.md", "not packaged");
    write("charts/payment-service/scratch/notes.txt", "not packaged");
    write("charts/payment-service/templates/.editor-swap", "not packaged");
    write("charts/payment-service/templates/service.yaml", "kind: Service\n");
    write("libs/common/Chart.yaml", "apiVersion: v2\nname: common\ntype: library\nversion: 0.2.0\n");
    write("libs/common/templates/_names.tpl", "{{- define \"common.name\" -}}x{{- end -}}\n");
    git(dir, "init", "-q", "-b", "main", work.toString());
    commit(work, "payment-service");
    git(dir, "init", "-q", "--bare", dir.resolve("repos/charts.git").toString());
    // HEAD names a branch nobody pushes: only main exists on the server
    git(dir.resolve("repos/charts.git"), "symbolic-ref", "HEAD", "refs/heads/trunk");
    git(work, "push", "-q", dir.resolve("repos/charts.git").toString(), "main");
    gitServer = new GitHttpServer(dir.resolve("repos"), "reader", PASSWORD);
  }

  @AfterEach
  void stop() {
    gitServer.close();
    charts.stop(0);
  }

  @Test
  void dependenciesFromAHelmRepositoryAndFromTheSameRepositoryAreBuiltIntoChartsAndHelmignoreIsHonoured()
      throws Exception {
    ResolvedChart chart = gitSource().resolve(source("charts/payment-service"), Duration.ofMinutes(10), credentials());

    Map<String, byte[]> entries = entries(chart.archive());
    System.out.println("archive of payment-service from Git: " + entries.keySet());
    assertThat(entries).containsKeys("payment-service/Chart.yaml", "payment-service/templates/service.yaml",
        "payment-service/.helmignore", "payment-service/charts/postgresql-1.0.0.tgz",
        "payment-service/charts/common/Chart.yaml", "payment-service/charts/common/templates/_names.tpl");
    assertThat(entries).doesNotContainKeys("payment-service/README.md", "payment-service/scratch/notes.txt",
        "payment-service/templates/.editor-swap", "payment-service/charts/postgresql-1.1.0.tgz");
    assertThat(entries.get("payment-service/charts/postgresql-1.0.0.tgz"))
        .isEqualTo(served.get("/charts/postgresql-1.0.0.tgz"));
  }

  @Test
  void withoutChartLockTheHighestVersionInTheRangeIsUsed() throws Exception {
    Files.delete(work.resolve("charts/payment-service/Chart.lock"));
    commit(work, "no lock");
    git(work, "push", "-q", dir.resolve("repos/charts.git").toString(), "main");
    ResolvedChart chart = gitSource().resolve(source("charts/payment-service"), Duration.ofMinutes(10), credentials());
    assertThat(entries(chart.archive())).containsKey("payment-service/charts/postgresql-1.1.0.tgz");
  }

  @Test
  void aNewCommitOutsideTheChartMakesTheSameArchive() throws Exception {
    Clock clock = Clock.systemUTC();
    GitChartSource git = GitCredentialsTest.git(dir, clock);
    ResolvedChart first = git.resolve(source("charts/payment-service"), Duration.ZERO, credentials());
    write("docs/unrelated.md", "a change elsewhere");
    commit(work, "elsewhere");
    git(work, "push", "-q", dir.resolve("repos/charts.git").toString(), "main");
    ResolvedChart second = git.resolve(source("charts/payment-service"), Duration.ZERO, credentials());
    assertThat(second.digest()).isEqualTo(first.digest());

    write("libs/common/templates/_names.tpl", "{{- define \"common.name\" -}}y{{- end -}}\n");
    commit(work, "the library changes");
    git(work, "push", "-q", dir.resolve("repos/charts.git").toString(), "main");
    ResolvedChart third = git.resolve(source("charts/payment-service"), Duration.ZERO, credentials());
    assertThat(third.digest()).as("a file:// dependency is part of the chart").isNotEqualTo(first.digest());
  }

  @Test
  void theSecretGoesToADependencyOnlyOnTheGitRepositorysHost() throws Exception {
    Files.delete(work.resolve("charts/payment-service/Chart.lock"));
    rewriteDependency("postgresql", "1.x", repositoryUrl() + "private");
    ResolvedChart chart = gitSource().resolve(source("charts/payment-service"), Duration.ofMinutes(10),
        credentials());
    assertThat(entries(chart.archive())).containsKey("payment-service/charts/postgresql-1.0.0.tgz");

    var secret = credentials();
    var origin = new ChartDependencies.Origin("git@git.example.com:team/charts.git", "main", "abc", Duration.ZERO,
        secret);
    assertThat(origin.credentialsFor("https://GIT.example.com/charts")).isSameAs(secret);
    assertThat(origin.credentialsFor("oci://git.example.com/charts")).isSameAs(secret);
    assertThat(origin.credentialsFor("https://charts.example.org")).isSameAs(RepositoryCredentials.NONE);
    assertThat(origin.credentialsFor("https://git.example.com.evil.example/charts"))
        .isSameAs(RepositoryCredentials.NONE);
  }

  @Test
  void aFileDependencyOutsideTheRepositoryIsRefused() throws Exception {
    rewriteDependency("common", "0.2.0", "file://../../../etc");
    assertThatThrownBy(() -> gitSource().resolve(source("charts/payment-service"), Duration.ofMinutes(10), credentials()))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("ChartDependencyFailed");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
        })
        .hasMessageContaining("dependencies[1] of charts/payment-service/Chart.yaml")
        .hasMessageContaining("file://../../../etc").hasMessageContaining("outside the Git repository");
  }

  @Test
  void aVersionTheRepositoryDoesNotHaveStallsNamingTheDependency() throws Exception {
    Files.delete(work.resolve("charts/payment-service/Chart.lock"));
    rewriteDependency("postgresql", "9.9.9", repositoryUrl());
    assertThatThrownBy(() -> gitSource().resolve(source("charts/payment-service"), Duration.ofMinutes(10), credentials()))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("ChartDependencyFailed");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
          System.out.println("wrong version: " + f.getMessage());
        })
        .hasMessageContaining("dependencies[0] of charts/payment-service/Chart.yaml")
        .hasMessageContaining("postgresql as db 9.9.9 from " + repositoryUrl())
        .hasMessageContaining("available: 1.0.0, 1.1.0").hasMessageNotContaining("spec.chart.version");
  }

  @Test
  void aRepositoryThatAnswers404AndAnUnknownRepositoryNameTheDependency() throws Exception {
    Files.delete(work.resolve("charts/payment-service/Chart.lock"));
    rewriteDependency("postgresql", "1.x", repositoryUrl() + "missing");
    assertThatThrownBy(() -> gitSource().resolve(source("charts/payment-service"), Duration.ofMinutes(10), credentials()))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("ChartDependencyFailed");
          System.out.println("404: " + f.getMessage());
        })
        .hasMessageContaining("dependencies[0]").hasMessageContaining("HTTP 404");

    rewriteDependency("postgresql", "1.x", "@bitnami");
    assertThatThrownBy(() -> gitSource().resolve(source("charts/payment-service"), Duration.ofMinutes(10), credentials()))
        .isInstanceOfSatisfying(ReconcileFailure.class, f -> {
          assertThat(f.reason()).isEqualTo("ChartDependencyFailed");
          assertThat(f.kind()).isEqualTo(ReconcileFailure.Kind.STALL);
          System.out.println("unknown repository: " + f.getMessage());
        })
        .hasMessageContaining("dependencies[0]").hasMessageContaining("\"@bitnami\"")
        .hasMessageContaining("write the repository's URL");
  }

  @Test
  void thousandsOfBranchesAndASubmoduleAreNoTrouble() throws Exception {
    StringBuilder refs = new StringBuilder();
    String head = commitId();
    for (int i = 0; i < 3000; i++) {
      refs.append("create refs/heads/feature-").append(i).append(' ').append(head).append('\n');
    }
    Path updates = dir.resolve("refs.txt");
    Files.writeString(updates, refs);
    Process update = new ProcessBuilder("git", "update-ref", "--stdin").directory(dir.resolve("repos/charts.git")
        .toFile()).redirectInput(updates.toFile()).redirectErrorStream(true).start();
    assertThat(update.waitFor()).as(new String(update.getInputStream().readAllBytes())).isZero();
    // a submodule inside the chart folder: a commit of another repository, which helmop does not fetch
    git(work, "update-index", "--add", "--cacheinfo", "160000," + head + ",charts/payment-service/vendor");
    git(work, "-c", "user.email=ci@helmop.io", "-c", "user.name=ci", "commit", "-q", "-m", "submodule");
    git(work, "push", "-q", dir.resolve("repos/charts.git").toString(), "main");

    long started = System.nanoTime();
    GitChartSource source = gitSource();
    ResolvedChart chart = source.resolve(source("charts/payment-service"), Duration.ofMinutes(10), credentials());
    System.out.printf("resolve with 3000 branches on the server: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(entries(chart.archive())).containsKey("payment-service/charts/postgresql-1.0.0.tgz")
        .doesNotContainKey("payment-service/vendor");
    try (var mirror = org.eclipse.jgit.api.Git.open(Files.list(dir.resolve("mirrors"))
        .filter(p -> !p.getFileName().toString().equals("ssh-home")).findFirst().orElseThrow().toFile())) {
      assertThat(mirror.getRepository().getRefDatabase().getRefsByPrefix("refs/heads/")).hasSize(1);
    }
  }

  // ---- fixtures

  GitChartSource gitSource() {
    return GitCredentialsTest.git(dir, Clock.systemUTC());
  }

  RepositoryCredentials credentials() {
    return GitCredentialsTest.credentials(PASSWORD);
  }

  GitSource source(String path) {
    GitSource source = new GitSource();
    source.setUrl(gitServer.url("charts.git"));
    source.setRef("main");
    source.setPath(path);
    return source;
  }

  String repositoryUrl() {
    return "http://127.0.0.1:" + charts.getAddress().getPort() + "/";
  }

  void publish(String prefix, String name, String... versions) throws IOException {
    StringBuilder index = new StringBuilder("apiVersion: v1\nentries:\n  " + name + ":\n");
    for (String version : versions) {
      byte[] archive = GitChartSource.archive(name, Map.of("Chart.yaml",
          ("apiVersion: v2\nname: " + name + "\nversion: " + version + "\n").getBytes(StandardCharsets.UTF_8)));
      served.put(prefix + "/charts/" + name + "-" + version + ".tgz", archive);
      index.append("  - name: ").append(name).append("\n    version: ").append(version)
          .append("\n    urls: [charts/").append(name).append('-').append(version).append(".tgz]\n");
    }
    served.put(prefix + "/index.yaml", index.toString().getBytes(StandardCharsets.UTF_8));
  }

  void write(String path, String content) throws IOException {
    Path file = work.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** Replaces one dependency's version and repository in Chart.yaml, commits and pushes. */
  void rewriteDependency(String name, String version, String repository) throws Exception {
    Path chartYaml = work.resolve("charts/payment-service/Chart.yaml");
    var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) yaml.readTree(chartYaml.toFile());
    for (var dependency : tree.withArray("dependencies")) {
      if (dependency.path("name").asText().equals(name)) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) dependency).put("version", version).put("repository",
            repository);
      }
    }
    yaml.writeValue(chartYaml.toFile(), tree);
    commit(work, "dependency " + name);
    git(work, "push", "-q", dir.resolve("repos/charts.git").toString(), "main");
  }

  String commitId() throws Exception {
    Process process = new ProcessBuilder("git", "rev-parse", "HEAD").directory(work.toFile()).start();
    String id = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    process.waitFor();
    return id;
  }

  static Map<String, byte[]> entries(Path archive) throws IOException {
    Map<String, byte[]> entries = new TreeMap<>();
    try (var tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(
        Files.readAllBytes(archive))))) {
      for (var entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        entries.put(entry.getName(), tar.readAllBytes());
      }
    }
    return entries;
  }
}
