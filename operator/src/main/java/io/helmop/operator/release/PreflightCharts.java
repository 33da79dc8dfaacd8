package io.helmop.operator.release;

import io.helmop.operator.files.Folders;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Working copies of charts for the preflight, in the operator's work directory, never the chart itself.
 *
 * <p>helm-java's {@code template()} returns Helm's manifest only: the hooks (migration Jobs, test pods) are
 * left out, and helm-java offers no option to keep them. So each chart (and subchart) of the copy that has
 * hook text gets one more template, {@value #EXPOSER}, that renders the chart's templates again through
 * {@code include} and keeps the documents holding {@code helm.sh/hook}, with that annotation renamed to
 * {@value #RENAMED} so that Helm lists them with the other objects. {@link #parse} turns Helm's output back
 * into objects and hooks. The copy also gives the chart's defaults and CRDs, and the chart lint reads with a
 * release's values (helm-java's lint takes no values).
 *
 * <p>Copies are cached by chart file (a chart archive in the cache never changes) and removed when evicted
 * and no longer in use.
 */
public final class PreflightCharts {
  private static final Logger LOG = LoggerFactory.getLogger(PreflightCharts.class);
  static final String EXPOSER = "zz-helmop-preflight-hooks.yaml";
  static final String RENAMED = "helmop.io/preflight-hook";
  private static final String SOURCE_MARK = "# helmop-hook-source: ";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** An archive bigger than this unpacked is not a chart anyone means (a zip bomb is). */
  static final long MAX_UNPACKED_BYTES = 128L * 1024 * 1024;
  static final int MAX_ENTRIES = 20_000;

  private final Path root;
  private final int capacity;
  private final LinkedHashMap<Key, Copy> copies = new LinkedHashMap<>(16, 0.75f, true);

  /** @param root where the copies go (created when needed); @param capacity how many copies are kept */
  public PreflightCharts(Path root, int capacity) {
    this.root = root;
    this.capacity = capacity;
  }

  private record Key(Path chart, long size, long modified, boolean allTemplates) {}

  /** A working copy in use; closing it lets it be removed once evicted. */
  public final class Lease implements AutoCloseable {
    private final Copy copy;
    private boolean closed;

    private Lease(Copy copy) {
      this.copy = copy;
    }

    /** The chart folder of the copy, hooks exposed when {@link #exposesHooks()}. */
    public Path chart() {
      return copy.chart;
    }

    public boolean exposesHooks() {
      return copy.exposesHooks;
    }

    public Map<String, Object> values() {
      return copy.values;
    }

    public List<ObjectNode> crds() {
      return copy.crds;
    }

    @Override
    public void close() {
      synchronized (PreflightCharts.this) {
        if (!closed) {
          closed = true;
          copy.users--;
          if (copy.evicted && copy.users == 0) {
            Folders.delete(copy.dir);
          }
        }
      }
    }
  }

  private static final class Copy {
    final Path dir;
    final Path chart;
    final boolean exposesHooks;
    final Map<String, Object> values;
    final List<ObjectNode> crds;
    int users;
    boolean evicted;

    Copy(Path dir, Path chart, boolean exposesHooks, Map<String, Object> values, List<ObjectNode> crds) {
      this.dir = dir;
      this.chart = chart;
      this.exposesHooks = exposesHooks;
      this.values = values;
      this.crds = crds;
    }
  }

  /**
   * A working copy of {@code chart} (an archive or a folder).
   *
   * @param allTemplates expose hooks from every template, not only those whose text names helm.sh/hook (the
   *     release's values bring hook annotations)
   */
  public synchronized Lease prepare(Path chart, boolean allTemplates) throws IOException {
    Key key = new Key(chart.toAbsolutePath().normalize(), Files.isDirectory(chart) ? -1 : Files.size(chart),
        Files.getLastModifiedTime(chart).toMillis(), allTemplates);
    Copy copy = Files.isDirectory(chart) ? null : copies.get(key); // a folder may change under the same name
    if (copy == null || !Files.isDirectory(copy.chart)) {
      copy = create(chart, allTemplates);
      if (!Files.isDirectory(chart)) {
        copies.put(key, copy);
        evictBeyondCapacity();
      } else {
        copy.evicted = true; // removed when its one user is done
      }
    }
    copy.users++;
    return new Lease(copy);
  }

  /** A copy of the leased chart without the hook templates and with {@code values} over its defaults. */
  public Path withValues(Lease lease, Map<String, Object> values) throws IOException {
    Path dir = Files.createTempDirectory(Files.createDirectories(root), "lint-");
    Path chart = dir.resolve(lease.chart().getFileName());
    try (Stream<Path> files = Files.walk(lease.chart())) {
      for (Path source : (Iterable<Path>) files::iterator) {
        if (source.getFileName().toString().equals(EXPOSER)) {
          continue;
        }
        Path target = chart.resolve(lease.chart().relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
    Map<String, Object> merged = new LinkedHashMap<>(lease.values());
    coalesce(merged, values);
    YAML.writeValue(chart.resolve("values.yaml").toFile(), merged);
    return chart;
  }

  /** Removes a copy made by {@link #withValues}. */
  public static void remove(Path chartCopy) {
    Folders.delete(chartCopy.getParent());
  }

  private void evictBeyondCapacity() {
    Iterator<Copy> oldest = copies.values().iterator();
    while (copies.size() > capacity && oldest.hasNext()) {
      Copy copy = oldest.next();
      oldest.remove();
      copy.evicted = true;
      if (copy.users == 0) {
        Folders.delete(copy.dir);
      }
    }
  }

  private Copy create(Path source, boolean allTemplates) throws IOException {
    Path dir = Files.createTempDirectory(Files.createDirectories(root), "chart-");
    try {
      Path chart;
      if (Files.isDirectory(source)) {
        chart = dir.resolve(source.getFileName().toString());
        copyFolder(source, chart);
      } else {
        chart = unpack(source, dir);
        Files.deleteIfExists(chart.resolve(".helmignore")); // the archive was filtered when it was packaged
      }
      List<Path> charts = new ArrayList<>();
      collectCharts(chart, charts);
      boolean hookHelpers = allTemplates || mentionsHooksOutsideTemplates(charts);
      boolean exposes = false;
      for (Path each : charts) {
        exposes |= writeExposer(each, hookHelpers);
      }
      return new Copy(dir, chart, exposes, readValues(chart.resolve("values.yaml")), crds(charts));
    } catch (IOException | RuntimeException e) {
      Folders.delete(dir);
      throw e;
    }
  }

  /** Unpacks a chart archive into {@code dir}; returns its chart folder. Subchart archives are unpacked too. */
  private static Path unpack(Path archive, Path dir) throws IOException {
    String top = null;
    long bytes = 0;
    int entries = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive));
        var tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        if (++entries > MAX_ENTRIES) {
          throw new IOException(archive.getFileName() + " has more than " + MAX_ENTRIES + " files");
        }
        Path target = dir.resolve(entry.getName()).normalize();
        if (!target.startsWith(dir) || target.equals(dir) || !entry.isFile() && !entry.isDirectory()) {
          continue; // outside the folder, or a link: nothing a chart needs
        }
        String first = dir.relativize(target).getName(0).toString();
        top = top == null ? first : top;
        if (entry.isDirectory()) {
          Files.createDirectories(target);
          continue;
        }
        Files.createDirectories(target.getParent());
        // stops one byte past the bound: a single entry of a gzip bomb must not fill the disk before the check
        bytes += Files.copy(org.apache.commons.io.input.BoundedInputStream.builder().setInputStream(tar)
            .setMaxCount(MAX_UNPACKED_BYTES - bytes + 1).setPropagateClose(false).get(), target);
        if (bytes > MAX_UNPACKED_BYTES) {
          throw new IOException(archive.getFileName() + " unpacks to more than " + MAX_UNPACKED_BYTES + " bytes");
        }
      }
    }
    if (top == null) {
      throw new IOException(archive.getFileName() + " holds no chart");
    }
    Path chart = dir.resolve(top);
    unpackSubcharts(chart);
    return chart;
  }

  private static void unpackSubcharts(Path chart) throws IOException {
    Path charts = chart.resolve("charts");
    if (!Files.isDirectory(charts)) {
      return;
    }
    try (Stream<Path> entries = Files.list(charts)) {
      for (Path entry : entries.sorted().toList()) {
        String name = entry.getFileName().toString();
        if (Files.isRegularFile(entry) && (name.endsWith(".tgz") || name.endsWith(".tar.gz"))) {
          Path unpacked = Files.createTempDirectory(charts, ".unpack-");
          Path sub = unpack(entry, unpacked);
          Path target = charts.resolve(sub.getFileName().toString());
          if (!Files.exists(target)) {
            Files.move(sub, target);
          }
          Folders.delete(unpacked);
          Files.delete(entry);
        } else if (Files.isDirectory(entry)) {
          unpackSubcharts(entry);
        }
      }
    }
  }

  private static void copyFolder(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path relative = source.relativize(file);
        if (relative.toString().equals(".git") || relative.startsWith(".git")) {
          continue;
        }
        Path to = target.resolve(relative.toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else if (Files.isRegularFile(file)) {
          Files.createDirectories(to.getParent());
          Files.copy(file, to);
        }
      }
    }
    unpackSubcharts(target);
  }

  /** The chart and its subcharts (folders under charts/ holding a Chart.yaml), depth first. */
  private static void collectCharts(Path chart, List<Path> charts) throws IOException {
    if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
      return;
    }
    charts.add(chart);
    Path sub = chart.resolve("charts");
    if (Files.isDirectory(sub)) {
      try (Stream<Path> entries = Files.list(sub)) {
        for (Path entry : entries.sorted().toList()) {
          if (Files.isDirectory(entry)) {
            collectCharts(entry, charts);
          }
        }
      }
    }
  }

  /** Whether a helper template (_*.tpl) or a values.yaml of any chart names helm.sh/hook. */
  private static boolean mentionsHooksOutsideTemplates(List<Path> charts) throws IOException {
    for (Path chart : charts) {
      if (contains(chart.resolve("values.yaml"))) {
        return true;
      }
      for (String template : templates(chart)) {
        if (isPartial(template) && contains(chart.resolve("templates").resolve(template))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Writes the hook template into one chart; returns whether it did (library charts render nothing). */
  private static boolean writeExposer(Path chart, boolean everyTemplate) throws IOException {
    JsonNode metadata = YAML.readTree(chart.resolve("Chart.yaml").toFile());
    if (metadata != null && "library".equals(metadata.path("type").asText())) {
      return false;
    }
    List<String> selected = new ArrayList<>();
    for (String template : templates(chart)) {
      if (!isPartial(template) && !template.equals("NOTES.txt")
          && (everyTemplate || contains(chart.resolve("templates").resolve(template)))) {
        selected.add(template);
      }
    }
    if (selected.isEmpty()) {
      return false;
    }
    Files.writeString(chart.resolve("templates").resolve(EXPOSER), exposer(selected));
    return true;
  }

  /** Template files of a chart, relative to its templates/ folder, with forward slashes. */
  private static List<String> templates(Path chart) throws IOException {
    Path templates = chart.resolve("templates");
    if (!Files.isDirectory(templates)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(templates)) {
      return files.filter(Files::isRegularFile)
          .map(file -> templates.relativize(file).toString().replace('\\', '/'))
          .filter(name -> !name.equals(EXPOSER))
          .sorted().toList();
    }
  }

  private static boolean isPartial(String template) {
    int slash = template.lastIndexOf('/');
    return template.substring(slash + 1).startsWith("_");
  }

  private static boolean contains(Path file) throws IOException {
    return Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).contains(RenderedObject.HOOK);
  }

  static String exposer(List<String> templates) {
    StringBuilder names = new StringBuilder();
    try {
      for (String template : templates) {
        names.append(' ').append(JSON.writeValueAsString(template)); // a JSON string is a Go string literal
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return """
        {{- /* Written by helmop into its working copy of the chart for the preflight checks, never into the
        chart: Helm's template output leaves hooks out, so this renders the templates below again and keeps
        the hook documents, their helm.sh/hook annotations renamed so that Helm lists them. */ -}}
        {{- range $file := list%s }}
        {{- $name := printf "%%s/%%s" $.Template.BasePath $file }}
        {{- range $doc := regexSplit `(?m)^---[ \\t]*$` (include $name $) -1 }}
        {{- if contains "%s" $doc }}
        ---
        %s{{ $name }}
        {{ $doc | replace "%s" "%s" }}
        {{- end }}
        {{- end }}
        {{- end }}
        """.formatted(names, RenderedObject.HOOK, SOURCE_MARK, RenderedObject.HOOK, RENAMED);
  }

  /**
   * The objects of Helm's template output (a manifest of {@code # Source:} headed documents); documents from
   * the hook templates become hooks again. A document the hook template repeated only because its text names
   * helm.sh/hook (not as an annotation) is dropped: Helm lists it already.
   */
  public static List<RenderedObject> parse(String output) {
    List<RenderedObject> objects = new ArrayList<>();
    for (String document : output.split("(?m)^---[ \\t]*$")) {
      String source = null;
      String hookSource = null;
      for (String line : document.lines().limit(8).toList()) {
        if (line.startsWith("# Source: ") && source == null) {
          source = line.substring("# Source: ".length()).strip();
        } else if (line.startsWith(SOURCE_MARK)) {
          hookSource = line.substring(SOURCE_MARK.length()).strip();
        }
      }
      JsonNode body;
      try {
        body = YAML.readTree(document);
      } catch (IOException e) {
        throw new UncheckedIOException("Helm rendered a document that is not YAML"
            + (source == null ? "" : " (" + source + ")"), e);
      }
      if (!(body instanceof ObjectNode object) || !object.hasNonNull("kind")) {
        continue;
      }
      boolean fromExposer = source != null && source.endsWith("/templates/" + EXPOSER);
      if (!fromExposer) {
        objects.add(new RenderedObject(object, source, false));
      } else if (restoreHookAnnotations(object)) {
        objects.add(new RenderedObject(object, hookSource, true));
      }
    }
    return objects;
  }

  /** Renames helmop.io/preflight-hook* annotations back to helm.sh/hook*; returns whether it is a hook. */
  private static boolean restoreHookAnnotations(ObjectNode object) {
    JsonNode annotations = object.path("metadata").path("annotations");
    if (!(annotations instanceof ObjectNode map)) {
      return false;
    }
    Map<String, JsonNode> restored = new LinkedHashMap<>();
    map.fields().forEachRemaining(e -> restored.put(e.getKey().startsWith(RENAMED)
        ? RenderedObject.HOOK + e.getKey().substring(RENAMED.length()) : e.getKey(), e.getValue()));
    map.removeAll();
    map.setAll(restored);
    return restored.containsKey(RenderedObject.HOOK);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readValues(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    Object values = YAML.readValue(file.toFile(), Object.class);
    return values instanceof Map ? (Map<String, Object>) values : Map.of();
  }

  private static List<ObjectNode> crds(List<Path> charts) throws IOException {
    List<ObjectNode> crds = new ArrayList<>();
    for (Path chart : charts) {
      Path folder = chart.resolve("crds");
      if (!Files.isDirectory(folder)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(folder)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          String name = file.getFileName().toString();
          if (!name.endsWith(".yaml") && !name.endsWith(".yml") && !name.endsWith(".json")) {
            continue;
          }
          try (var parser = YAML.getFactory().createParser(file.toFile())) {
            var documents = YAML.readValues(parser, JsonNode.class);
            while (documents.hasNext()) {
              if (documents.next() instanceof ObjectNode crd
                  && "CustomResourceDefinition".equals(crd.path("kind").asText())) {
                crds.add(crd);
              }
            }
          } catch (IOException | RuntimeException e) {
            LOG.debug("{} is not readable YAML: {}", file, e.getMessage()); // Helm will say so when installing
          }
        }
      }
    }
    return crds;
  }

  /**
   * Helm's merge of values over defaults: maps merge key by key, anything else replaces, and null removes the
   * default.
   */
  @SuppressWarnings("unchecked")
  public static void coalesce(Map<String, Object> base, Map<String, Object> override) {
    override.forEach((key, value) -> {
      Object existing = base.get(key);
      if (value == null) {
        base.remove(key);
      } else if (existing instanceof Map && value instanceof Map) {
        Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) existing);
        coalesce(merged, (Map<String, Object>) value);
        base.put(key, merged);
      } else {
        base.put(key, value);
      }
    });
  }
}
