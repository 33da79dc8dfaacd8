package io.helmop.operator.postrender;

import io.helmop.operator.files.Folders;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.policy.Preflight;
import io.helmop.operator.release.DesiredRelease;
import io.helmop.operator.release.HelmEngine;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.PreflightCharts;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedObject;
import io.helmop.operator.release.RenderedRelease;
import io.helmop.operator.release.Switches;
import io.helmop.operator.status.Reasons;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Post-rendering without a post-renderer hook in helm-java: the chart is rendered as the cluster would render it
 * (hooks included), spec.postRenderers and spec.commonMetadata are applied, and Helm is handed a derived chart
 * that holds the result literally in one template ({@value #TEMPLATE}), beside the original Chart.yaml, values,
 * crds/ folders, subcharts and helpers (so NOTES.txt still renders). Helm's release record, `helm get manifest`
 * and drift detection therefore all see the post-rendered objects.
 *
 * <p>The trade-off: the templates run when helmop renders them, not when Helm installs, so {@code lookup}
 * answers offline (empty), and {@code .Release.IsUpgrade} / {@code .Release.Revision} are those of a first
 * install. Only releases that ask for post-rendering take this path.
 */
public class PostRendering {
  private static final Logger LOG = LoggerFactory.getLogger(PostRendering.class);
  static final String TEMPLATE = "zz-helmop-post-rendered.yaml";
  // every string quoted: Helm reads YAML 1.1, where an unquoted 0x1F, on or 1e3 would change type
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

  private final HelmEngine helm;
  private final Supplier<String> kubeVersion;
  private final Path root;
  private final PreflightCharts charts;

  /** @param root where derived charts are written (one folder a release while it is released) */
  public PostRendering(HelmEngine helm, Supplier<String> kubeVersion, Path root) {
    this.helm = helm;
    this.kubeVersion = kubeVersion;
    this.root = root;
    this.charts = new PreflightCharts(root.resolve("unpacked"), 4);
  }

  /** A release handed to Helm; closing it removes the derived chart. */
  public record Prepared(DesiredRelease desired, Path derivedFolder) implements AutoCloseable {
    @Override
    public void close() {
      if (derivedFolder != null) {
        Folders.delete(derivedFolder);
      }
    }
  }

  /**
   * The release to hand Helm: {@code desired} itself when the spec asks for no post-rendering, else the same
   * release (same digest) with the derived chart in place of the chart.
   */
  public Prepared prepare(HelmRelease release, DesiredRelease desired) throws ReconcileFailure {
    boolean postRender = PostRenderers.requested(release.getSpec());
    boolean withoutHooks = Switches.hooksDisabled(release);
    if (!postRender && !withoutHooks) {
      return new Prepared(desired, null);
    }
    long started = System.nanoTime();
    ReleaseRequest request = desired.request();
    RenderedRelease rendered;
    try {
      rendered = helm.render(request, kubeVersion.get());
    } catch (HelmException e) {
      throw Preflight.renderFailure(desired, e);
    }
    if (!rendered.hooksRendered() && !withoutHooks) {
      throw ReconcileFailure.stalled(Reasons.POST_RENDER_FAILED, "The hooks of chart "
          + desired.chart().nameAndVersion() + " could not be rendered, so spec.postRenderers and "
          + "spec.commonMetadata cannot be applied without losing them; nothing was released and the last good "
          + "release keeps serving. Remove spec.postRenderers and spec.commonMetadata, or fix the chart.");
    }
    List<RenderedObject> objects;
    try {
      objects = rendered.objects();
      if (withoutHooks) {
        // spec.install/upgrade.disableHooks: Helm never sees the hooks, so it cannot run them; test hooks stay for
        // spec.test, as with `helm install --no-hooks`
        objects = objects.stream().filter(object -> object.hookEvents().isEmpty()
            || object.hookEvents().stream().allMatch(event -> event.startsWith("test"))).toList();
      }
      objects = PostRenderers.apply(release.getSpec(), objects, request.namespace());
    } catch (PostRenderException e) {
      throw ReconcileFailure.stalled(Reasons.POST_RENDER_FAILED, e.getMessage() + " Nothing was released for "
          + "chart " + desired.chart().nameAndVersion() + "; the last good release keeps serving.");
    }
    Path folder = null;
    try {
      folder = Files.createTempDirectory(Files.createDirectories(root), "derived-");
      Path chart;
      try (PreflightCharts.Lease lease = charts.prepare(request.chart(), false)) {
        chart = folder.resolve(lease.chart().getFileName().toString());
        copyWithoutTemplates(lease.chart(), chart);
      }
      Files.createDirectories(chart.resolve("templates"));
      Files.writeString(chart.resolve("templates").resolve(TEMPLATE), template(objects));
      Path archive = pack(chart, folder.resolve(chart.getFileName() + ".tgz"));
      ReleaseRequest derived = request.withChart(archive);
      LOG.info("Post-rendered {} objects of chart {} for release {}{} in {} ms", objects.size(),
          desired.chart().nameAndVersion(), request.releaseName(), withoutHooks ? " (hooks left out)" : "",
          (System.nanoTime() - started) / 1_000_000);
      return new Prepared(new DesiredRelease(desired.chart(), derived, desired.digest(), desired.valueSources()),
          folder);
    } catch (IOException | UncheckedIOException e) {
      if (folder != null) {
        Folders.delete(folder);
      }
      throw ReconcileFailure.retryable(Reasons.POST_RENDER_FAILED, "The post-rendered chart of "
          + desired.chart().nameAndVersion() + " could not be written to the operator's work directory: "
          + e.getMessage() + ". helmop retries with backoff.", e);
    }
  }

  /**
   * The objects as one template: literal YAML documents whose "{{" are escaped, so Go's template engine gives
   * them back unchanged.
   */
  static String template(List<RenderedObject> objects) throws IOException {
    StringBuilder text = new StringBuilder("{{- /* Written by helmop: the chart's objects after "
        + "spec.postRenderers and spec.commonMetadata. */ -}}\n");
    for (RenderedObject object : objects) {
      text.append("---\n");
      if (object.source() != null) {
        text.append("# helmop post-rendered from: ").append(object.source().replace("{{", "")).append('\n');
      }
      text.append(YAML.writeValueAsString(object.body()).replace("{{", "{{ \"{{\" }}"));
    }
    return text.toString();
  }

  /**
   * The chart and its subcharts without the templates that make objects (the literal template replaces them):
   * helpers (_*.tpl) stay for NOTES.txt, the top chart's NOTES.txt stays, crds/ and values stay as they are.
   */
  private static void copyWithoutTemplates(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path relative = source.relativize(file);
        Path to = target.resolve(relative.toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else if (keep(relative)) {
          Files.copy(file, to);
        }
      }
    }
  }

  /** A chart archive as `helm package` makes it (what the rest of helmop, CRD policy included, reads). */
  private static Path pack(Path chart, Path archive) throws IOException {
    try (var out = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(archive)));
        Stream<Path> files = Files.walk(chart)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = chart.getFileName() + "/" + chart.relativize(file).toString().replace('\\', '/');
        TarArchiveEntry entry = new TarArchiveEntry(file.toFile(), name);
        out.putArchiveEntry(entry);
        Files.copy(file, out);
        out.closeArchiveEntry();
      }
    }
    return archive;
  }

  private static boolean keep(Path relative) {
    List<String> parts = java.util.stream.StreamSupport.stream(relative.spliterator(), false).map(Path::toString)
        .toList();
    int templates = parts.indexOf("templates");
    if (templates < 0 || !(templates == 0 || templates >= 2 && parts.get(templates - 2).equals("charts"))) {
      return true; // not in a chart's templates/ folder
    }
    String name = parts.get(parts.size() - 1);
    if (name.startsWith("_")) {
      return true;
    }
    return templates == 0 && parts.size() == 2 && name.equals("NOTES.txt");
  }
}
