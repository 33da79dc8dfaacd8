package io.helmop.e2e;

import static io.helmop.e2e.support.ChartRepository.writeChart;
import static io.helmop.e2e.support.HelmReleases.apply;
import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.hasCondition;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A chart whose template grows a string without end, and one that renders a huge file, run where helmop
 * bounds renders: the release stalls with RenderLimitExceeded, the operator and other releases carry on, the
 * last good release stays, new values clear it, and a stalled release can be deleted. Prints the operator's peak resident
 * memory (all its processes) while the bomb renders.
 */
class RenderBoundsIT extends OperatorTest {
  static ChartRepository repository;

  /** Doubles a 6-byte string {@code .Values.doublings} times: 26 make 384 MiB, and Go holds several copies. */
  static final String BOMB = """
      {{- $s := "helmop" }}
      {{- range $i := until (int .Values.doublings) }}{{ $s = printf "%s%s" $s $s }}{{ end }}
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: {{ .Release.Name }}}
      data: {size: {{ len $s | quote }}}
      """;

  static final String CONFIGMAP = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: {{ .Release.Name }}}
      data: {message: {{ .Values.message | default "fine" | quote }}}
      """;

  /**
   * Puts the chart's big files into a ConfigMap when a values file says so. Helm loads no file over 5 MiB and no
   * chart over 100 MiB unpacked, so the files are 24 of 4 MiB: 96 MiB for Helm to hold and render.
   */
  static final String EMBED = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: {{ .Release.Name }}}
      data:
        {{- if .Values.embed }}
        {{- range $path, $_ := .Files.Glob "files/*" }}
        {{ base $path }}: {{ $.Files.Get $path | quote }}
        {{- end }}
        {{- else }}
        blob: none
        {{- end }}
      """;

  @BeforeAll
  static void start() throws IOException {
    cluster = LocalCluster.get();
    Path charts = Files.createTempDirectory("render-bounds-charts-");
    Path good = writeChart(charts.resolve("v1"), "loops", Map.of("templates/cm.yaml", CONFIGMAP));
    Path bomb = writeChart(charts.resolve("v2"), "loops", Map.of("templates/cm.yaml", BOMB,
        "values.yaml", "doublings: 26\n"));
    Path big = writeChart(charts.resolve("big"), "bigfile", Map.of("templates/cm.yaml", EMBED,
        "values.yaml", "embed: false\n", "values-embed.yaml", "embed: true\n"));
    for (int i = 0; i < 24; i++) {
      writeBigFile(big.resolve("files/blob-" + i + ".txt"), 4L << 20);
    }
    repository = startOperator(new ChartRepository(cluster)
        .publish(good, "1.0.0", "1.0.0")
        .publish(bomb, "2.0.0", "2.0.0")
        .publish(big, "1.0.0", "1.0.0")
        .publish(cluster.repo().resolve("examples/charts/hello"), "0.1.0", "1.0.0"));
  }

  @Test
  void aRenderBombStallsItsReleaseOnlyAndANewVersionClearsIt() throws Exception {
    String ns = namespace("bomb");
    String other = namespace("healthy");
    Instant installed = Instant.now();
    apply(cluster, release(ns, "loops", "1.0.0", ""));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/loops", "-n", ns, "--timeout=180s").orFail();
    System.out.printf("normal install (one ConfigMap, renders in a warm worker): Ready %d ms after apply%n",
        Duration.between(installed, Instant.now()).toMillis());

    long before = treeResidentKib(operator.pid());
    long beforeOwn = residentKib(operator.pid());
    Instant applied = Instant.now();
    try (PeakSampler peak = new PeakSampler(operator.pid())) {
      apply(cluster, release(ns, "loops", "2.0.0", ""));
      apply(cluster, helmRelease(other, "hello", repository.url(), "0.1.0", "policy: {mode: Disabled}"));
      var ready = awaitReadyFalse(ns, "loops", "RenderLimitExceeded");
      System.out.printf("render bomb stalled %d ms after it was applied%n",
          Duration.between(applied, Instant.now()).toMillis());
      cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/hello", "-n", other, "--timeout=180s")
          .orFail();
      System.out.printf("healthy release in another namespace Ready %d ms after the bomb was applied%n",
          Duration.between(applied, Instant.now()).toMillis());
      System.out.printf("operator resident memory while the bomb rendered (default --render-memory-limit 512Mi): "
          + "its own JVM %d MiB before, peak %d MiB; with all its processes (render workers, Helm children) %d MiB "
          + "before, peak %d MiB%n", beforeOwn / 1024, peak.maxOwnKib() / 1024, before / 1024, peak.maxKib() / 1024);

      assertThat(ready.getMessage()).contains("Chart loops-2.0.0")
          .contains("went over the render memory limit of 512 MiB (--render-memory-limit)")
          .contains("the last good release keeps serving")
          .contains("raise --render-memory-limit");
      assertThat(hasCondition(get(cluster, ns, "loops"), "Stalled", "True")).isTrue();
    }
    assertThat(operator.isAlive()).isTrue();
    assertThat(operator.log()).doesNotContain("OutOfMemoryError");
    assertThat(cluster.helm("history", "loops", "-n", ns, "-o", "json").orFail().output())
        .as("the last good release untouched: one revision, chart 1.0.0, deployed")
        .contains("\"revision\":1").doesNotContain("\"revision\":2").contains("loops-1.0.0").contains("deployed");
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("loops").get().getData())
        .containsEntry("message", "fine");

    // no hot loop: while the operator upgrades another release, the stalled one is left alone
    Instant stalled = Instant.now();
    int reconciles = operator.reconciles(ns, "loops").size();
    apply(cluster, helmRelease(other, "hello", repository.url(), "0.1.0",
        "policy: {mode: Disabled}\nvalues: {message: again}"));
    await().atMost(Duration.ofMinutes(3)).until(() -> "again".equals(cluster.client().configMaps()
        .inNamespace(other).list().getItems().stream().map(cm -> cm.getData().get("message"))
        .filter("again"::equals).findFirst().orElse(null)));
    long since = operator.reconciles(ns, "loops").stream().filter(t -> t.isAfter(stalled)).count();
    System.out.printf("reconciles of the stalled release while another release was upgraded: %d%n", since);
    assertThat(since).isLessThanOrEqualTo(1);
    assertThat(events(ns, "loops")).filteredOn(e -> "RenderLimitExceeded".equals(e.getReason()))
        .as("one Event").hasSize(1).extracting(Event::getCount).allMatch(count -> count == null || count == 1);
    assertThat(operator.reconciles(ns, "loops").size()).isGreaterThanOrEqualTo(reconciles);

    apply(cluster, release(ns, "loops", "2.0.0", "values: {doublings: 3}"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/loops", "-n", ns, "--timeout=180s").orFail();
    assertThat(hasCondition(get(cluster, ns, "loops"), "Stalled", "True")).isFalse();
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("loops").get().getData())
        .as("\"helmop\" doubled 3 times").containsEntry("size", "48");

    cluster.kubectl("delete", "helmrelease", "loops", "-n", ns, "--timeout=120s").orFail();
    assertThat(cluster.helm("list", "-n", ns, "--all", "-q").orFail().output()).isBlank();
  }

  @Test
  void hugeFilesRenderedThroughValuesFilesStallWithoutOutOfMemoryAndTheReleaseCanBeDeleted() {
    String ns = namespace("bigfile");
    apply(cluster, release(ns, "bigfile", "1.0.0", "valuesFiles: [values.yaml]"));
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease/bigfile", "-n", ns, "--timeout=180s").orFail();

    apply(cluster, release(ns, "bigfile", "1.0.0", "valuesFiles: [values.yaml, values-embed.yaml]"));
    var ready = awaitReadyFalse(ns, "bigfile", "RenderLimitExceeded");
    System.out.println("huge files: " + ready.getMessage());
    assertThat(ready.getMessage()).contains("Chart bigfile-1.0.0").contains("Helm worker");
    assertThat(operator.isAlive()).isTrue();
    assertThat(operator.log()).doesNotContain("OutOfMemoryError");
    assertThat(cluster.helm("history", "bigfile", "-n", ns, "-o", "json").orFail().output())
        .contains("\"revision\":1").doesNotContain("\"revision\":2");
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("bigfile").get().getData())
        .containsEntry("blob", "none");

    cluster.kubectl("delete", "helmrelease", "bigfile", "-n", ns, "--timeout=120s").orFail();
    assertThat(cluster.helm("list", "-n", ns, "--all", "-q").orFail().output()).isBlank();
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("bigfile").get()).isNull();
  }

  static String release(String ns, String chart, String version, String spec) {
    return helmRelease(ns, chart, repository.url(), chart, version, "policy: {mode: Disabled}\n" + spec);
  }

  /** Text that compresses well: the archive stays small, the unpacked file is {@code bytes} long. */
  static void writeBigFile(Path file, long bytes) throws IOException {
    Files.createDirectories(file.getParent());
    String line = "helmop render bounds: a line of a big file in a chart\n";
    try (Writer out = Files.newBufferedWriter(file)) {
      for (long written = 0; written < bytes; written += line.length()) {
        out.write(line);
      }
    }
  }

  /** Resident memory of a process and all its descendants (the operator and its Helm workers), in KiB. */
  static long treeResidentKib(long pid) {
    return Stream.concat(ProcessHandle.of(pid).stream(), ProcessHandle.of(pid).stream()
        .flatMap(ProcessHandle::descendants)).mapToLong(p -> residentKib(p.pid())).sum();
  }

  static long residentKib(long pid) {
    try (Stream<String> lines = Files.lines(Path.of("/proc/" + pid + "/status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst().orElse(0);
    } catch (IOException | UncheckedIOException gone) {
      return 0;
    }
  }

  /** Samples a process tree's resident memory every 10 ms and keeps the peak. */
  static final class PeakSampler implements AutoCloseable {
    final AtomicLong max = new AtomicLong();
    final AtomicLong maxOwn = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final Thread thread;

    PeakSampler(long pid) {
      thread = new Thread(() -> {
        while (running.get()) {
          max.accumulateAndGet(treeResidentKib(pid), Math::max);
          maxOwn.accumulateAndGet(residentKib(pid), Math::max);
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "rss-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    long maxKib() {
      return max.get();
    }

    long maxOwnKib() {
      return maxOwn.get();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
