package io.helmop.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real Git server on 127.0.0.1 (`git daemon`) serving one repository, plus a working copy the test commits
 * and pushes from, as a team does.
 */
public final class GitServer implements AutoCloseable {
  private final Path root;
  private final Path work;
  private final int port;
  private final Process daemon;

  public GitServer() {
    try {
      root = Files.createTempDirectory("helmop-git-");
      work = root.resolve("work");
      git(root, "init", "--bare", "-b", "main", "charts.git");
      Files.createFile(root.resolve("charts.git/git-daemon-export-ok"));
      git(root, "init", "-b", "main", work.toString());
      git(work, "config", "user.email", "ci@helmop.io");
      git(work, "config", "user.name", "helmop tests");
      git(work, "remote", "add", "origin", root.resolve("charts.git").toString());
      try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      daemon = new ProcessBuilder("git", "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=" + port,
          "--base-path=" + root, root.toString())
          .redirectErrorStream(true).redirectOutput(root.resolve("daemon.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "git://127.0.0.1:" + port + "/charts.git";
  }

  public Path workTree() {
    return work;
  }

  /** Commits everything in the working copy and pushes it to the branch (and a tag, if given). */
  public String commitAndPush(String message, String tag) {
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", message);
    git(work, "push", "-q", "origin", "HEAD:main");
    if (tag != null) {
      git(work, "tag", tag);
      git(work, "push", "-q", "origin", tag);
    }
    return git(work, "rev-parse", "HEAD").lastLine();
  }

  /**
   * Points the served repository's HEAD at a branch, which need not exist: `git init --bare` on a server whose
   * default branch is not the one the team pushes leaves HEAD dangling this way.
   */
  public void pointHeadAt(String branch) {
    git(root.resolve("charts.git"), "symbolic-ref", "HEAD", "refs/heads/" + branch);
  }

  private static Command.Result git(Path dir, String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "git";
    System.arraycopy(args, 0, argv, 1, args.length);
    return Command.run(Duration.ofMinutes(1), Map.of(), null, dir, argv).orFail();
  }

  @Override
  public void close() {
    daemon.destroy();
  }
}
