package io.helmop.operator.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.api.v1alpha1.ChartSpec;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jgit.ignore.IgnoreNode;
import org.eclipse.jgit.transport.URIish;

/**
 * What `helm dependency build` does for a chart read from Git, done with helmop's own bounded fetchers instead
 * of Helm's (whose reads have no deadline and which take no repository credentials): each entry of Chart.yaml's
 * {@code dependencies} (requirements.yaml for apiVersion v1) that is not already in {@code charts/} is fetched
 * into {@code charts/} as an archive, at the version Chart.lock gives when it has one, else at the highest
 * version the constraint allows. {@code file://} entries are packaged from the same commit of the same
 * repository, never from outside it. Helm itself then applies {@code condition}, {@code tags} and {@code alias}
 * when it renders.
 *
 * <p>The {@code .helmignore} of each chart is applied to its files, as `helm package` does.
 */
final class ChartDependencies {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** A chain of file:// charts deeper than this is a cycle or a mistake. */
  private static final int MAX_DEPTH = 10;

  /** Reads the files of one folder of the commit being packaged, by path relative to that folder. */
  interface Folder {
    Map<String, byte[]> files(String folder) throws IOException;
  }

  /** Fetches a chart from a Helm repository or an OCI registry, bounded and cached. */
  interface Fetcher {
    ResolvedChart fetch(ChartSpec chart, Duration interval, RepositoryCredentials credentials)
        throws ReconcileFailure;
  }

  private final Fetcher http;
  private final Fetcher oci;

  ChartDependencies(Fetcher http, Fetcher oci) {
    this.http = http;
    this.oci = oci;
  }

  /** Where the chart comes from, for messages, and what its dependencies may use. */
  record Origin(String url, String ref, String commit, Duration interval, RepositoryCredentials credentials) {
    String at() {
      return " at " + ref + " (" + commit + ") of " + url;
    }

    /** Like Helm without --pass-credentials: the Secret goes only to the host the chart itself comes from. */
    RepositoryCredentials credentialsFor(String repository) {
      String ours = host(url);
      String theirs = host(repository);
      return ours != null && ours.equalsIgnoreCase(theirs) ? credentials : RepositoryCredentials.NONE;
    }

    private static String host(String url) {
      try {
        String host = new URIish(url).getHost();
        return host == null ? null : host.toLowerCase(Locale.ROOT);
      } catch (java.net.URISyntaxException e) {
        return null;
      }
    }
  }

  /**
   * The files of the chart in {@code folder}, .helmignore applied and charts/ filled; throws a failure naming
   * the chart folder and {@code dependencies[i]} when a dependency cannot be had.
   */
  Map<String, byte[]> chart(Folder repository, String folder, Origin origin) throws ReconcileFailure, IOException {
    return chart(repository, folder, origin, new ArrayList<>());
  }

  private Map<String, byte[]> chart(Folder repository, String folder, Origin origin, List<String> chain)
      throws ReconcileFailure, IOException {
    Map<String, byte[]> files = withoutIgnored(repository.files(folder));
    byte[] chartYaml = files.get("Chart.yaml");
    if (chartYaml == null) {
      return files; // the caller says what is missing
    }
    chain.add(folder);
    try {
      JsonNode metadata = YAML.readTree(chartYaml);
      JsonNode requirements = metadata.path("dependencies");
      String declaredIn = "Chart.yaml";
      String lockFile = "Chart.lock";
      if (!requirements.isArray() && files.containsKey("requirements.yaml")) {
        requirements = YAML.readTree(files.get("requirements.yaml")).path("dependencies");
        declaredIn = "requirements.yaml";
        lockFile = "requirements.lock";
      }
      if (!requirements.isArray() || requirements.isEmpty()) {
        return files;
      }
      Map<String, String> locked = locked(files.get(lockFile));
      // what the commit vendors, not what an earlier entry added (two aliases of one chart get one archive each)
      Map<String, byte[]> committed = Map.copyOf(files);
      for (int i = 0; i < requirements.size(); i++) {
        Dependency dependency = new Dependency(requirements.get(i), i, declaredIn, folder, origin);
        if (dependency.name().isBlank()) {
          throw dependency.stalled("has no name: give the name of the chart to depend on");
        }
        if (vendored(committed, dependency.name())) {
          continue;
        }
        String version = locked.getOrDefault(dependency.name() + "\n" + dependency.repository(), dependency.version());
        files.putAll(fetch(repository, dependency, version, origin, chain));
      }
      return files;
    } finally {
      chain.remove(chain.size() - 1);
    }
  }

  /** The archive or folder to add under charts/, by path in the parent chart. */
  private Map<String, byte[]> fetch(Folder repository, Dependency dependency, String version, Origin origin,
      List<String> chain) throws ReconcileFailure, IOException {
    String repo = dependency.repository();
    String lower = repo.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file://")) {
      return local(repository, dependency, version, origin, chain);
    }
    Fetcher fetcher = lower.startsWith("http://") || lower.startsWith("https://") ? http
        : lower.startsWith("oci://") ? oci : null;
    if (fetcher == null) {
      throw dependency.stalled(repo.isEmpty()
          ? "has no repository and is not in charts/: vendor it into charts/, or give its repository (https://, "
              + "oci:// or file://)"
          : repo.startsWith("@") || lower.startsWith("alias:")
          ? "names repository \"" + repo + "\", a `helm repo add` name, which means nothing to helmop: write the "
              + "repository's URL (https://, oci:// or file://) instead"
          : "has repository \"" + SourceUrls.redact(repo) + "\", which is not an https://, http://, oci:// or "
              + "file:// URL: fix it");
    }
    ChartSpec spec = new ChartSpec();
    spec.setRepository(repo);
    spec.setName(dependency.name());
    spec.setVersion(version);
    try {
      VersionConstraint.parse(version);
    } catch (IllegalArgumentException e) {
      throw dependency.stalled("has version \"" + version + "\", which is not a semver constraint: write an exact "
          + "version (1.4.2) or a range (1.4.x, ~1.4, >=1.2 <2.0)");
    }
    ResolvedChart chart;
    RepositoryCredentials credentials = origin.credentialsFor(repo);
    try {
      chart = fetcher.fetch(spec, origin.interval(), credentials);
    } catch (ReconcileFailure failure) {
      boolean withheld = credentials != origin.credentials() && origin.credentials().secret() != null;
      throw dependency.failed(failure, withheld ? " The Secret of spec.chart.secretRef goes only to the host of "
          + "the Git repository, not to this dependency's." : "");
    }
    return Map.of("charts/" + chart.nameAndVersion() + ".tgz", Files.readAllBytes(chart.archive()));
  }

  /** A file:// chart of the same commit, packaged as a folder under charts/. */
  private Map<String, byte[]> local(Folder repository, Dependency dependency, String version, Origin origin,
      List<String> chain) throws ReconcileFailure, IOException {
    String relative = dependency.repository().substring("file://".length());
    String target = inside(dependency.folder(), relative);
    if (target == null) {
      throw dependency.stalled("points outside the Git repository (file://" + relative + "): a file:// dependency "
          + "must be a folder of the same repository, relative to the chart (e.g. file://../common)");
    }
    if (chain.contains(target) || chain.size() >= MAX_DEPTH) {
      throw dependency.stalled("makes a cycle of file:// dependencies (" + String.join(" -> ", chain) + " -> "
          + target + "): break it");
    }
    Map<String, byte[]> files = chart(repository, target, origin, chain);
    byte[] chartYaml = files.get("Chart.yaml");
    if (chartYaml == null) {
      throw dependency.stalled("points to folder \"" + (target.isEmpty() ? "." : target) + "\", which holds no "
          + "Chart.yaml" + origin.at() + " (helmop does not fetch submodules): fix the path or commit the chart");
    }
    JsonNode metadata = YAML.readTree(chartYaml);
    String actual = metadata.path("version").asText();
    if (!version.isBlank()) {
      VersionConstraint constraint;
      try {
        constraint = VersionConstraint.parse(version);
      } catch (IllegalArgumentException e) {
        throw dependency.stalled("has version \"" + version + "\", which is not a semver constraint");
      }
      if (constraint.highest(List.of(actual)).isEmpty()) {
        throw dependency.stalled("asks for version \"" + version + "\" but the chart at " + target + " is version "
            + actual + ": change one of them");
      }
    }
    Map<String, byte[]> placed = new TreeMap<>();
    // a folder named after the dependency, like a vendored chart; Helm matches subcharts by their Chart.yaml name
    files.forEach((path, bytes) -> placed.put("charts/" + dependency.name() + "/" + path, bytes));
    return placed;
  }

  /** The folder {@code relative} names from {@code folder}, or null when it leaves the repository. */
  static String inside(String folder, String relative) {
    if (relative.startsWith("/") || relative.contains("\\") || relative.contains(":")) {
      return null;
    }
    List<String> parts = new ArrayList<>(folder.isEmpty() ? List.of() : List.of(folder.split("/")));
    for (String part : relative.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.remove(parts.size() - 1);
      } else {
        parts.add(part);
      }
    }
    return String.join("/", parts);
  }

  /** A subchart already in charts/ (as a folder or an archive) is used as it is, as Flux does. */
  private static boolean vendored(Map<String, byte[]> files, String name) {
    if (files.containsKey("charts/" + name + "/Chart.yaml")) {
      return true;
    }
    // name-VERSION.tgz, as `helm dependency build` names it (a version starts with a digit, or v and a digit)
    var archive = java.util.regex.Pattern.compile("charts/" + java.util.regex.Pattern.quote(name)
        + "-v?[0-9][^/]*\\.tgz");
    return files.keySet().stream().anyMatch(path -> archive.matcher(path).matches());
  }

  /** Chart.lock's versions by name and repository: what `helm dependency update` recorded wins. */
  private static Map<String, String> locked(byte[] lock) throws IOException {
    if (lock == null) {
      return Map.of();
    }
    Map<String, String> versions = new HashMap<>();
    for (JsonNode entry : YAML.readTree(lock).path("dependencies")) {
      String version = entry.path("version").asText("");
      if (!version.isBlank()) {
        versions.put(entry.path("name").asText() + "\n" + entry.path("repository").asText(""), version);
      }
    }
    return versions;
  }

  /**
   * The files `helm package` would keep: .helmignore's rules (gitignore's syntax, read with JGit, of which
   * Helm's is a subset) and Helm's own default, dotfiles under templates/.
   */
  static Map<String, byte[]> withoutIgnored(Map<String, byte[]> files) throws IOException {
    IgnoreNode rules = new IgnoreNode();
    rules.parse(new ByteArrayInputStream("templates/.?*\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    byte[] helmignore = files.get(".helmignore");
    if (helmignore != null) {
      IgnoreNode own = new IgnoreNode();
      own.parse(new ByteArrayInputStream(helmignore));
      rules = new IgnoreNode(concat(rules, own));
    }
    Map<String, byte[]> kept = new TreeMap<>();
    for (var file : files.entrySet()) {
      if (!ignored(rules, file.getKey())) {
        kept.put(file.getKey(), file.getValue());
      }
    }
    return kept;
  }

  private static List<org.eclipse.jgit.ignore.FastIgnoreRule> concat(IgnoreNode first, IgnoreNode second) {
    List<org.eclipse.jgit.ignore.FastIgnoreRule> rules = new ArrayList<>(first.getRules());
    rules.addAll(second.getRules());
    return Collections.unmodifiableList(rules);
  }

  /** Ignored itself, or inside an ignored folder (whose files no rule can bring back, as in Git and Helm). */
  private static boolean ignored(IgnoreNode rules, String path) {
    String[] parts = path.split("/");
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      prefix.append(i == 0 ? "" : "/").append(parts[i]);
      boolean directory = i < parts.length - 1;
      if (Boolean.TRUE.equals(rules.checkIgnored(prefix.toString(), directory))) {
        return true;
      }
    }
    return false;
  }

  /** One entry of Chart.yaml's dependencies. */
  private record Dependency(String name, String version, String repository, String alias, int index,
      String declaredIn, String folder, Origin origin) {
    Dependency(JsonNode entry, int index, String declaredIn, String folder, Origin origin) {
      this(entry.path("name").asText(""), entry.path("version").asText(""), entry.path("repository").asText(""),
          entry.path("alias").asText(""), index, declaredIn, folder, origin);
    }

    /** e.g. `dependencies[1] of charts/payment-service/Chart.yaml (postgresql 12.x from https://...)`. */
    String describe() {
      String file = (folder.isEmpty() ? "" : folder + "/") + declaredIn;
      return "dependencies[" + index + "] of " + file + origin.at() + " (" + (name.isEmpty() ? "no name" : name)
          + (alias.isEmpty() ? "" : " as " + alias) + (version.isEmpty() ? "" : " " + version)
          + (repository.isEmpty() ? "" : " from " + (repository.startsWith("@") ? repository
              : SourceUrls.redact(repository))) + ")";
    }

    ReconcileFailure stalled(String problem) {
      return ReconcileFailure.stalled(Reasons.CHART_DEPENDENCY_FAILED, "Chart dependency " + describe() + " "
          + problem + ".");
    }

    /**
     * The fetcher's failure, said of the dependency: its words name the fields of spec.chart, which here are
     * the dependency's name, version and repository in Chart.yaml.
     */
    ReconcileFailure failed(ReconcileFailure failure, String note) {
      String cause = String.valueOf(failure.getMessage())
          .replace("spec.chart.version", "its version").replace(" (spec.chart.name)", "")
          .replace("spec.chart.name", "its name").replace(" (spec.chart.repository)", "")
          .replace("spec.chart.repository", "its repository");
      String message = "Chart dependency " + describe() + " cannot be fetched (" + failure.reason() + "): " + cause
          + (Reasons.REPOSITORY_AUTH_FAILED.equals(failure.reason()) ? note : "");
      return failure.kind() == ReconcileFailure.Kind.RETRY
          ? ReconcileFailure.retryable(Reasons.CHART_DEPENDENCY_FAILED, message, failure)
          : ReconcileFailure.stalled(Reasons.CHART_DEPENDENCY_FAILED, message);
    }
  }
}
