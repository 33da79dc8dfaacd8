package io.helmop.operator.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.api.v1alpha1.GitSource;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * Charts kept in a folder of a Git repository (the seed's charts/payment-service layout), read with JGit.
 *
 * <p>Each repository is mirrored once (bare) in the cache and fetched at most once per interval. The chart
 * folder at the resolved commit is packaged into a deterministic archive (sorted entries, fixed times), so the
 * same commit always gives the same digest and a new commit that does not touch the chart makes no revision.
 * Mirrors are kept per Secret, so a release without a private repository's credentials never reads its mirror.
 * Over SSH ({@link GitSsh}) and HTTPS with TLS material ({@link GitTls}), each clone or fetch gets the Secret's
 * material on its own transport, never through JGit's process-wide defaults.
 */
public class GitChartSource {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path mirrors;
  private final ChartCache cache;
  private final Clock clock;
  private final SourceLimits limits;
  private final Map<String, Instant> fetchedAt = new ConcurrentHashMap<>();
  private final ChartDependencies dependencies;

  public GitChartSource(Path mirrors, ChartCache cache, Clock clock) {
    this(mirrors, cache, clock, SourceLimits.DEFAULTS);
  }

  /** Dependencies from Helm repositories and OCI registries go through fetchers of their own. */
  public GitChartSource(Path mirrors, ChartCache cache, Clock clock, SourceLimits limits) {
    this(mirrors, cache, clock, limits, new HelmRepositoryClient(cache, clock, limits),
        new OciRegistryClient(cache, clock, limits));
  }

  /** Dependencies share the operator's fetchers, and so their cached indexes and tag lists. */
  public GitChartSource(Path mirrors, ChartCache cache, Clock clock, SourceLimits limits,
      HelmRepositoryClient repositories, OciRegistryClient registries) {
    this.mirrors = mirrors;
    this.cache = cache;
    this.clock = clock;
    this.limits = limits;
    this.dependencies = new ChartDependencies(repositories::resolve, registries::resolve);
  }

  public ResolvedChart resolve(GitSource source, Duration refreshInterval, RepositoryCredentials credentials)
      throws ReconcileFailure {
    SourceUrls.checkGit(source.getUrl());
    String url = source.getUrl();
    String ref = source.getRef() == null || source.getRef().isBlank() ? "main" : source.getRef();
    String folder = normalise(source.getPath());
    String mirrorKey = url + " with " + credentials;
    synchronized (mirrorKey.intern()) {
      try (GitSsh ssh = GitSsh.isSsh(url) ? GitSsh.open(url, credentials, mirrors.resolve("ssh-home")) : null;
          Git git = mirror(url, mirrorKey, ref, credentials, ssh, refreshInterval);
          RevWalk walk = new RevWalk(git.getRepository())) {
        RevCommit commit = walk.parseCommit(commitOf(git.getRepository(), url, ref));
        var origin = new ChartDependencies.Origin(url, ref, commit.abbreviate(8).name(), refreshInterval, credentials);
        Map<String, byte[]> files = dependencies.chart(new Bounded(git.getRepository(), commit, limits), folder,
            origin);
        byte[] chartYaml = files.get("Chart.yaml");
        if (chartYaml == null) {
          throw ReconcileFailure.stalled(Reasons.CHART_NOT_FOUND, "spec.chart.git.path \"" + source.getPath() + "\" at "
              + ref + " (" + commit.abbreviate(8).name() + ") of " + url + " is not a chart: it has no "
              + "Chart.yaml. Fix the path or the ref.");
        }
        JsonNode metadata = YAML.readTree(chartYaml);
        String name = metadata.path("name").asText();
        ChartCache.Stored stored = cache.store(new ByteArrayInputStream(archive(name, files)));
        return new ResolvedChart(name, metadata.path("version").asText(), metadata.path("appVersion").asText(""),
            stored.path(), stored.digest());
      } catch (IOException | GitAPIException | RuntimeException e) {
        if (SourceLimitExceeded.in(e) != null) {
          throw SourceLimitExceeded.in(e).failure("the chart at spec.chart.git.path \"" + folder + "\" of " + url);
        }
        if (isTimeout(e)) {
          throw SourceLimitExceeded.idle(url, limits).failure("Git repository " + url + " (spec.chart.git.url)");
        }
        if (isAuthFailure(e)) {
          throw authFailed(url, credentials, e);
        }
        throw ReconcileFailure.retryable(Reasons.GIT_UNAVAILABLE, "Cannot read " + url + " (spec.chart.git.url) at "
            + ref + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
            + ". helmop retries with backoff.", e);
      }
    }
  }

  /**
   * A bare mirror of the repository holding just the ref asked for, fetched when older than the interval. The
   * server's list of refs is read first, and only the one ref is fetched: the remote HEAD is never looked at (a
   * bare repository whose HEAD names a branch nobody pushed still works), and a repository with thousands of
   * branches costs their names, not their commits.
   */
  private Git mirror(String url, String mirrorKey, String ref, RepositoryCredentials credentials, GitSsh ssh,
      Duration refreshInterval) throws IOException, GitAPIException, ReconcileFailure {
    Path dir = mirrors.resolve(sha256(mirrorKey));
    CredentialsProvider login = credentials.hasBasicAuth() && ssh == null
        ? new UsernamePasswordCredentialsProvider(credentials.username(), credentials.password()) : null;
    TransportConfigCallback transport = ssh != null ? ssh
        : credentials.hasTlsMaterial() ? GitTls.of(credentials) : null;
    Files.createDirectories(mirrors);
    Git git = Files.isDirectory(dir) ? Git.open(dir.toFile())
        : Git.init().setBare(true).setInitialBranch("main").setDirectory(dir.toFile()).call();
    String fetchKey = mirrorKey + "\n" + ref;
    Instant last = fetchedAt.get(fetchKey);
    if (last != null && Duration.between(last, clock.instant()).compareTo(refreshInterval) < 0) {
      return git;
    }
    try {
      if (ObjectId.isId(ref) && git.getRepository().getObjectDatabase().has(ObjectId.fromString(ref))) {
        fetchedAt.put(fetchKey, clock.instant()); // a commit never moves
        return git;
      }
      Map<String, org.eclipse.jgit.lib.Ref> advertised = Git.lsRemoteRepository().setRemote(url)
          .setCredentialsProvider(login).setTransportConfigCallback(transport).setTimeout(timeoutSeconds())
          .callAsMap();
      List<RefSpec> wanted = new ArrayList<>();
      for (String candidate : List.of("refs/heads/" + ref, "refs/tags/" + ref, ref)) {
        if (candidate.startsWith("refs/") && advertised.containsKey(candidate)) {
          wanted.add(new RefSpec("+" + candidate + ":" + candidate));
          break;
        }
      }
      if (wanted.isEmpty() && ObjectId.isId(ref)) {
        // a commit: most servers fetch only what a ref points to, so fetch the branches and tags that may hold it
        wanted.add(new RefSpec("+refs/heads/*:refs/heads/*"));
        wanted.add(new RefSpec("+refs/tags/*:refs/tags/*"));
      }
      if (wanted.isEmpty()) {
        throw refNotFound(url, ref);
      }
      git.fetch().setRemote(url).setRefSpecs(wanted).setTagOpt(org.eclipse.jgit.transport.TagOpt.NO_TAGS)
          .setCredentialsProvider(login).setTransportConfigCallback(transport).setTimeout(timeoutSeconds()).call();
    } catch (GitAPIException | RuntimeException | ReconcileFailure e) {
      git.close();
      if (e instanceof ReconcileFailure failure) {
        throw failure;
      }
      throwIfHostKeyRefused(ssh, url, credentials, (Exception) e);
      throw e;
    }
    fetchedAt.put(fetchKey, clock.instant());
    return git;
  }

  /**
   * JGit's one timeout: for connecting and for each read, on every transport (HTTP, SSH, git://). A Git fetch
   * has no total deadline of its own; the reconcile stops waiting for it after --source-fetch-wait all the same.
   */
  private int timeoutSeconds() {
    return (int) Math.max(1, limits.readTimeout().toSeconds());
  }

  /** JGit reports a refused host key as a failed connection; the known_hosts check knows better. */
  private static void throwIfHostKeyRefused(GitSsh ssh, String url, RepositoryCredentials credentials,
      Exception e) throws ReconcileFailure {
    ReconcileFailure refused = ssh == null ? null : ssh.hostKeyRefusal(url, credentials, e);
    if (refused != null) {
      throw refused;
    }
  }

  /** JGit's one timeout (connect or read, on any transport) went off: a SocketTimeoutException or its own kind. */
  private static boolean isTimeout(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.io.InterruptedIOException) {
        return true;
      }
    }
    return false;
  }

  /** JGit's words for a 401/403 over HTTP, with or without credentials; sshd's code for a refused key. */
  private static boolean isAuthFailure(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SshException ssh
          && ssh.getDisconnectCode() == SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE) {
        return true;
      }
      String message = String.valueOf(t.getMessage());
      if (message.contains("not authorized") || message.contains("no CredentialsProvider")
          || message.contains("authentication not supported")) {
        return true;
      }
    }
    return false;
  }

  private static ReconcileFailure authFailed(String url, RepositoryCredentials credentials, Exception e) {
    String what = GitSsh.isSsh(url)
        ? "refused the key identity of Secret " + credentials.secret() + " named in spec.chart.secretRef: fix the "
            + "Secret's identity, or give its public key read access (a deploy key)"
        : credentials.hasBasicAuth()
        ? "refused the " + credentials + " named in spec.chart.secretRef: fix the Secret's username and password"
        : "requires credentials: set spec.chart.secretRef to a Secret with username and password";
    return ReconcileFailure.retryable(Reasons.GIT_AUTH_FAILED, "Git repository " + url + " (spec.chart.git.url) " + what
        + ". helmop retries with backoff.", e);
  }

  private static ObjectId commitOf(Repository repository, String url, String ref) throws IOException,
      ReconcileFailure {
    for (String candidate : new String[] {"refs/heads/" + ref, "refs/tags/" + ref, ref}) {
      var found = repository.exactRef(candidate);
      if (found != null) {
        ObjectId peeled = repository.getRefDatabase().peel(found).getPeeledObjectId();
        return peeled != null ? peeled : found.getObjectId();
      }
    }
    if (ObjectId.isId(ref) && repository.getObjectDatabase().has(ObjectId.fromString(ref))) {
      return ObjectId.fromString(ref);
    }
    throw refNotFound(url, ref);
  }

  private static ReconcileFailure refNotFound(String url, String ref) {
    return ReconcileFailure.stalled(Reasons.GIT_REF_NOT_FOUND, "spec.chart.git.ref \"" + ref + "\" is not a branch, "
        + "tag or commit of " + url + ": fix the ref or push it.");
  }

  /**
   * The files of folders of one commit, by path relative to the folder. All folders read for one chart (its
   * own and its file:// dependencies') count against one bound. A submodule is a commit of another repository,
   * which is not fetched: it is left out, as it is from a checkout without --recurse-submodules.
   */
  private static final class Bounded implements ChartDependencies.Folder {
    private final Repository repository;
    private final RevCommit commit;
    private final SourceLimits limits;
    private long total;
    private int count;

    Bounded(Repository repository, RevCommit commit, SourceLimits limits) {
      this.repository = repository;
      this.commit = commit;
      this.limits = limits;
    }

    @Override
    public Map<String, byte[]> files(String folder) throws IOException {
      Map<String, byte[]> files = new TreeMap<>();
      try (TreeWalk walk = new TreeWalk(repository)) {
        walk.addTree(commit.getTree());
        walk.setRecursive(true);
        if (!folder.isEmpty()) {
          walk.setFilter(PathFilter.create(folder));
        }
        String prefix = folder.isEmpty() ? "" : folder + "/";
        while (walk.next()) {
          String path = walk.getPathString();
          if (!path.startsWith(prefix) || walk.getFileMode(0) == FileMode.GITLINK) {
            continue;
          }
          var object = repository.open(walk.getObjectId(0));
          total += object.getSize();
          if (++count > limits.maxFiles()) {
            throw SourceLimitExceeded.tooManyFiles("the chart folder", limits);
          }
          if (total > limits.maxUnpackedBytes()) {
            throw SourceLimitExceeded.tooLarge("the chart folder", limits.maxUnpackedBytes(),
                "--source-max-unpacked-size");
          }
          files.put(path.substring(prefix.length()), object.getBytes());
        }
      }
      return files;
    }
  }

  /** A .tgz with the chart folder named after the chart, as `helm package` lays it out. */
  static byte[] archive(String chartName, Map<String, byte[]> files) throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (var file : new TreeMap<>(files).entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(chartName + "/" + file.getKey());
        entry.setSize(file.getValue().length);
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        tar.write(file.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static String normalise(String path) {
    String p = path == null ? "" : path.strip();
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (p.equals(".")) {
      p = "";
    }
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
