package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.helmop.operator.config.HelmKubeconfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Helm workers map one copy of Helm's native library, the operator's, instead of a copy each. */
class SharedHelmLibraryTest {
  @TempDir Path dir;

  @AfterEach
  void forget() {
    System.clearProperty(SharedHelmLibrary.PROPERTY);
  }

  @Test
  void workersMapTheOperatorsCopyAndWriteNoneOfTheirOwn() throws Exception {
    Figures own = twoBusyWorkers("own");
    Path shared = SharedHelmLibrary.extract(dir.resolve("helm-library"));
    Figures one = twoBusyWorkers("shared");

    assertThat(one.mapped).as("each worker maps the operator's copy").allMatch(maps -> maps.contains(shared.toString()));
    assertThat(own.mapped).as("without it each maps a copy of its own").noneMatch(maps -> maps.contains(shared.toString()));
    assertThat(one.copies).as("helm-java copies written by the workers").isZero();
    assertThat(own.copies).isEqualTo(2);
    System.out.printf("two warm Helm workers after a render each: a library copy each: RSS %d MiB, PSS %d MiB; "
        + "one shared copy: RSS %d MiB, PSS %d MiB%n", own.rssKib >> 10, own.pssKib >> 10, one.rssKib >> 10,
        one.pssKib >> 10);
  }

  private record Figures(List<String> mapped, long copies, long rssKib, long pssKib) {}

  /** Two workers, each kept busy by a render at the same time, then measured while idle. */
  private Figures twoBusyWorkers(String name) throws Exception {
    Path work = dir.resolve(name);
    try (HelmWorkerPool pool = new HelmWorkerPool(
        new HelmWorkerPool.Limits(2, 384L << 20, Duration.ofSeconds(30), 100, 16L << 20), work)) {
      HelmKubeconfig none = HelmKubeconfig.of(null, null);
      HelmProcessEngine helm = new HelmProcessEngine(() -> none, 1, pool);
      Path chart = chart(name);
      var threads = Executors.newFixedThreadPool(2);
      var renders = List.of(threads.submit(() -> helm.render(request(chart), null)),
          threads.submit(() -> helm.render(request(chart), null)));
      for (var render : renders) {
        render.get();
      }
      threads.shutdown();
      assertThat(pool.pids()).hasSize(2);
      List<String> maps = pool.pids().stream().map(pid -> read("/proc/" + pid + "/maps")).toList();
      long copies;
      try (Stream<Path> files = Files.walk(work)) {
        copies = files.filter(f -> f.getFileName().toString().startsWith("helm-java")).count();
      }
      long rss = pool.pids().stream().mapToLong(pid -> kib("/proc/" + pid + "/status", "VmRSS:")).sum();
      long pss = pool.pids().stream().mapToLong(pid -> kib("/proc/" + pid + "/smaps_rollup", "Pss:")).sum();
      return new Figures(maps, copies, rss, pss);
    }
  }

  private Path chart(String name) throws IOException {
    Path chart = dir.resolve("chart-" + name);
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.0.0\n");
    Files.writeString(chart.resolve("templates/configmap.yaml"), """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: web}
        data: {slow: {{ range $i := until 200000 }}{{ end }}"yes"}
        """);
    return chart;
  }

  private static ReleaseRequest request(Path chart) {
    return new ReleaseRequest("web", "apps", chart, Map.of(), false, false, Duration.ofMinutes(1), false, false);
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long kib(String file, String field) {
    return read(file).lines().filter(line -> line.startsWith(field)).findFirst()
        .map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).orElse(0L);
  }
}
