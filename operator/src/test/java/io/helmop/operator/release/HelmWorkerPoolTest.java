package io.helmop.operator.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.lifecycle.SignalHandlers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders and lints in warm worker processes with a memory limit and a time limit. The bombs are charts of a
 * few hundred bytes: a template loop that doubles a string (memory) and nested loops that build nothing (time).
 */
class HelmWorkerPoolTest {
  private static final long MEMORY_LIMIT = 384L << 20;

  @TempDir Path dir;
  private HelmWorkerPool pool;

  @AfterEach
  void stop() {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void rendersInOneWarmWorkerThatServesCallAfterCall() throws Exception {
    HelmProcessEngine helm = engine(limits(2, Duration.ofSeconds(30), 100));
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      String message = "hello " + i;
      RenderedRelease rendered = helm.render(request(chart("web", CONFIGMAP), Map.of("message", message)),
          "v1.33.0");
      assertThat(rendered.objects()).singleElement()
          .satisfies(object -> assertThat(object.body().at("/data/message").asText()).isEqualTo(message));
      System.out.printf("render %d: %d ms%s%n", i + 1, (System.nanoTime() - start) / 1_000_000,
          i == 0 ? " (the worker's start included)" : "");
    }
    assertThat(helm.lint(request(chart("web", CONFIGMAP), Map.of())).failed()).isFalse();
    assertThat(pool.started()).as("one warm worker served all four calls").isEqualTo(1);
    System.out.printf("idle warm Helm worker after 4 calls: %d MiB resident%n",
        HelmWorkerPool.residentBytes(pool.pids().get(0)) >> 20);
  }

  @Test
  void helmsOwnErrorComesBackAsAHelmException() throws Exception {
    HelmProcessEngine helm = engine(limits(1, Duration.ofSeconds(30), 100));
    assertThatThrownBy(() -> helm.render(request(chart("broken", "{{ fail \"no database host\" }}"), Map.of()),
        null))
        .isInstanceOf(HelmException.class)
        .isNotInstanceOf(RenderLimitException.class)
        .hasMessageContaining("no database host");
    assertThat(pool.started()).as("a Helm error does not cost the worker").isEqualTo(1);
  }

  @Test
  void aRenderOverTheMemoryLimitIsKilledAndTheWorkerReplaced() throws Exception {
    HelmProcessEngine helm = engine(limits(1, Duration.ofSeconds(60), 100));
    helm.render(request(chart("web", CONFIGMAP), Map.of("message", "warm")), null);
    long started = System.nanoTime();
    assertThatThrownBy(() -> helm.render(request(chart("bomb", MEMORY_BOMB), Map.of()), null))
        .isInstanceOfSatisfying(RenderLimitException.class,
            e -> assertThat(e.bound()).isEqualTo(RenderLimitException.Bound.MEMORY))
        .hasMessageContaining("--render-memory-limit")
        .hasMessageContaining("384 MiB");
    System.out.printf("memory bomb stopped after %d ms%n", (System.nanoTime() - started) / 1_000_000);
    for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); pool.alive() < 1
        && System.nanoTime() < end; ) {
      Thread.sleep(50); // the replacement starts in the background
    }
    assertThat(pool.started()).as("a replacement started without waiting for a call").isEqualTo(2);

    RenderedRelease after = helm.render(request(chart("web", CONFIGMAP), Map.of("message", "again")), null);
    assertThat(after.objects()).singleElement()
        .satisfies(object -> assertThat(object.body().at("/data/message").asText()).isEqualTo("again"));
    assertThat(pool.started()).as("the next render found the replacement warm").isEqualTo(2);
    assertThat(pool.alive()).isLessThanOrEqualTo(1);
  }

  @Test
  void aRenderOverTheTimeLimitIsKilled() throws Exception {
    HelmProcessEngine helm = engine(limits(1, Duration.ofSeconds(3), 100));
    helm.render(request(chart("web", CONFIGMAP), Map.of("message", "warm")), null);
    long pid = pool.pids().get(0);

    assertThatThrownBy(() -> helm.render(request(chart("spin", TIME_BOMB), Map.of()), null))
        .isInstanceOfSatisfying(RenderLimitException.class,
            e -> assertThat(e.bound()).isEqualTo(RenderLimitException.Bound.TIME))
        .hasMessageContaining("--render-timeout")
        .hasMessageContaining("3 s");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the worker was killed")
        .isFalse();
    assertThat(helm.render(request(chart("web", CONFIGMAP), Map.of("message", "on")), null).objects()).hasSize(1);
  }

  @Test
  void aWorkerThatCannotBeHandedAJobIsReplacedNotReused() throws Exception {
    HelmProcessEngine helm = engine(limits(1, Duration.ofSeconds(30), 100));
    helm.render(request(chart("web", CONFIGMAP), Map.of("message", "warm")), null);
    // its folder removed from outside (a second operator on the same --cache-dir, a /tmp cleaner): no job file
    // can be written there any more
    try (var workers = Files.list(dir.resolve("work"))) {
      workers.filter(p -> p.getFileName().toString().startsWith("helm-worker-"))
          .forEach(io.helmop.operator.files.Folders::delete);
    }
    assertThatThrownBy(() -> helm.render(request(chart("web", CONFIGMAP), Map.of("message", "lost")), null))
        .isInstanceOf(HelmException.class)
        .hasMessageContaining("could not hand");

    RenderedRelease rendered = helm.render(request(chart("web", CONFIGMAP), Map.of("message", "again")), null);

    assertThat(rendered.objects()).singleElement()
        .satisfies(object -> assertThat(object.body().at("/data/message").asText()).isEqualTo("again"));
    assertThat(pool.started()).as("the broken worker was replaced").isGreaterThanOrEqualTo(2);
  }

  @Test
  void aWorkerIsRecycledAfterItsShareOfCalls() throws Exception {
    HelmProcessEngine helm = engine(limits(1, Duration.ofSeconds(30), 2));
    List<Long> pids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      helm.render(request(chart("web", CONFIGMAP), Map.of("message", "m" + i)), null);
      pids.addAll(pool.pids());
    }
    assertThat(pool.started()).as("2 calls a worker: 5 calls took 3 workers").isGreaterThanOrEqualTo(3);
    assertThat(pids.stream().distinct().count()).isGreaterThanOrEqualTo(3);
    assertThat(pool.alive()).isLessThanOrEqualTo(1);
  }

  @Test
  void concurrentCallsShareTheWorkersAndEachGetsItsOwnResult() throws Exception {
    HelmProcessEngine helm = engine(limits(2, Duration.ofSeconds(60), 100));
    ExecutorService callers = Executors.newFixedThreadPool(6);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String message = "call-" + i;
        Path chart = chart("web" + i, CONFIGMAP);
        results.add(callers.submit(() -> helm.render(request(chart, Map.of("message", message)), null)
            .objects().get(0).body().at("/data/message").asText()));
      }
      for (int i = 0; i < 12; i++) {
        assertThat(results.get(i).get()).isEqualTo("call-" + i);
      }
    } finally {
      callers.shutdownNow();
    }
    assertThat(pool.started()).as("never more than --render-workers processes").isLessThanOrEqualTo(2);
    assertThat(pool.alive()).isLessThanOrEqualTo(2);
  }

  @Test
  void aBombDoesNotHoldUpARenderOnAnotherWorker() throws Exception {
    HelmProcessEngine helm = engine(limits(2, Duration.ofSeconds(60), 100));
    Future<?> bomb = Executors.newSingleThreadExecutor().submit(
        () -> helm.render(request(chart("bomb", MEMORY_BOMB), Map.of()), null));
    RenderedRelease healthy = helm.render(request(chart("web", CONFIGMAP), Map.of("message", "meanwhile")), null);
    assertThat(healthy.objects()).hasSize(1);
    assertThatThrownBy(bomb::get).hasCauseInstanceOf(RenderLimitException.class);
  }

  /** Figures, no assertion on them: a render of the example chart in a warm worker and in this JVM. */
  @Test
  void printsTheCostOfARenderInAWarmWorkerAndInProcess() throws Exception {
    Path hello = Path.of("..", "examples", "charts", "hello").toAbsolutePath().normalize();
    HelmProcessEngine pooled = engine(limits(1, Duration.ofSeconds(30), 1000));
    HelmJavaEngine inProcess = new HelmJavaEngine(HelmKubeconfig.of(null, null),
        SignalHandlers.captureJvmHandlers(), dir.resolve("in-process"));
    ReleaseRequest request = request(hello, Map.of("message", "figures"));
    long[] worker = new long[20];
    long[] local = new long[20];
    for (int i = -3; i < 20; i++) { // three rounds to warm up each path
      long start = System.nanoTime();
      assertThat(pooled.render(request, "v1.33.0").objects()).isNotEmpty();
      long middle = System.nanoTime();
      assertThat(inProcess.render(request, "v1.33.0").objects()).isNotEmpty();
      long end = System.nanoTime();
      if (i >= 0) {
        worker[i] = middle - start;
        local[i] = end - middle;
      }
    }
    System.out.printf("render of examples/charts/hello, median of 20: warm worker %.1f ms, in process %.1f ms%n",
        median(worker) / 1e6, median(local) / 1e6);
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
  }

  /** A template that doubles a string 40 times: terabytes, were it not stopped. */
  static final String MEMORY_BOMB = """
      {{- $s := "helmop" }}
      {{- range $i := until 40 }}{{ $s = printf "%s%s" $s $s }}{{ end }}
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: bomb}
      data: {size: {{ len $s | quote }}}
      """;

  /** Nested loops of 10^10 steps that build nothing: only time. */
  static final String TIME_BOMB = """
      {{- range $i := until 100000 }}{{ range $j := until 100000 }}{{ end }}{{ end }}
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: spin}
      """;

  static final String CONFIGMAP = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: {{ .Release.Name }}}
      data: {message: {{ .Values.message | default "none" | quote }}}
      """;

  private HelmWorkerPool.Limits limits(int workers, Duration timeout, int calls) {
    return new HelmWorkerPool.Limits(workers, MEMORY_LIMIT, timeout, calls, 16L << 20);
  }

  private HelmProcessEngine engine(HelmWorkerPool.Limits limits) {
    Path work = dir.resolve("work");
    pool = new HelmWorkerPool(limits, work);
    HelmKubeconfig none = HelmKubeconfig.of(null, null);
    return new HelmProcessEngine(() -> none, 1, pool);
  }

  private Path chart(String name, String template) throws IOException {
    Path chart = dir.resolve("charts").resolve(name);
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n");
    Files.writeString(chart.resolve("templates/main.yaml"), template);
    return chart;
  }

  private static ReleaseRequest request(Path chart, Map<String, Object> values) {
    return new ReleaseRequest(chart.getFileName().toString(), "apps", chart, values, true, true,
        Duration.ofMinutes(5), false, true);
  }
}
