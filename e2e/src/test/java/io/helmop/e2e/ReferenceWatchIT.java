package io.helmop.e2e;

import static io.helmop.e2e.support.HelmReleases.get;
import static io.helmop.e2e.support.HelmReleases.helmRelease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helmop.e2e.support.ChartRepository;
import io.helmop.e2e.support.LocalCluster;
import io.helmop.e2e.support.OperatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Releases referencing ConfigMaps share the watch of their namespace: an edit wakes exactly the release that
 * references the edited ConfigMap, and the API server counts one watch for them all. Prints the watches and the
 * operator's resident memory ({@code -Dhelmop.references.releases=100} for the figures in the notes).
 */
class ReferenceWatchIT extends OperatorTest {
  static final int RELEASES = Integer.getInteger("helmop.references.releases", 20);
  static ChartRepository repository;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.get();
    repository = startOperator(helloChart());
  }

  @Test
  void anEditOfOneReferencedConfigMapUpgradesExactlyItsReleaseAndAllShareOneWatch() {
    String ns = namespace("refs");
    Map<String, Long> watchesBefore = configMapWatches();
    long rssBefore = operator.residentKib();
    String processBefore = threadsAndSockets();
    String objects = IntStream.range(0, RELEASES).mapToObj(i -> """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: values-%1$d, namespace: %2$s}
        data:
          values.yaml: |
            message: first %1$d
        ---
        %3$s""".formatted(i, ns, helmRelease(ns, "web-" + i, repository.url(), "0.1.0", """
        interval: 1h
        valuesFrom:
        - {kind: ConfigMap, name: values-%d}
        values:
          fullnameOverride: web-%d""".formatted(i, i)))).collect(Collectors.joining("\n---\n"));
    cluster.kubectlWithInput(objects, "apply", "-f", "-").orFail();
    cluster.kubectl("wait", "--for=condition=Ready", "helmrelease", "--all", "-n", ns,
        "--timeout=" + (120 + 6 * RELEASES) + "s").orFail();
    Map<String, Long> watchesAfter = configMapWatches();
    long rssAfter = operator.residentKib();
    System.out.printf("ReferenceWatchIT: %d releases, each referencing its own ConfigMap: ConfigMap watches on the "
        + "API server by scope %s before, %s with them Ready (%+d); operator RSS %d MiB before, %d MiB after; "
        + "operator %s before, %s after%n", RELEASES, watchesBefore, watchesAfter,
        total(watchesAfter) - total(watchesBefore), rssBefore / 1024, rssAfter / 1024, processBefore,
        threadsAndSockets());

    int edited = RELEASES / 3;
    Instant edit = Instant.now();
    cluster.kubectl("patch", "configmap", "values-" + edited, "-n", ns, "--type=merge",
        "-p", "{\"data\":{\"values.yaml\":\"message: second\\n\"}}").orFail();
    // the interval is an hour: only the watch of the ConfigMap brings the upgrade
    await().atMost(Duration.ofSeconds(90)).until(() -> Integer.valueOf(2)
        .equals(get(cluster, ns, "web-" + edited).getStatus().getLastAppliedRevision()));
    assertThat(cluster.kubectl("get", "configmap", "web-" + edited, "-n", ns, "-o", "jsonpath={.data.message}")
        .orFail().output()).isEqualTo("second");

    // a later edit of a second ConfigMap, once handled, comes after whatever the first one woke
    int sentinel = edited + 1;
    cluster.kubectl("patch", "configmap", "values-" + sentinel, "-n", ns, "--type=merge",
        "-p", "{\"data\":{\"values.yaml\":\"message: third\\n\"}}").orFail();
    await().atMost(Duration.ofSeconds(90)).until(() -> Integer.valueOf(2)
        .equals(get(cluster, ns, "web-" + sentinel).getStatus().getLastAppliedRevision()));
    Map<String, Long> othersWoken = new TreeMap<>();
    for (int i = 0; i < RELEASES; i++) {
      if (i != edited && i != sentinel) {
        assertThat(get(cluster, ns, "web-" + i).getStatus().getLastAppliedRevision()).as("web-" + i).isEqualTo(1);
        long woken = operator.reconciles(ns, "web-" + i).stream().filter(t -> t.isAfter(edit)).count();
        if (woken > 0) {
          othersWoken.put("web-" + i, woken);
        }
      }
    }
    System.out.printf("ReferenceWatchIT: reconciles of the %d other releases after the edit: %s%n", RELEASES - 2,
        othersWoken);
    assertThat(othersWoken).as("releases reconciled after an edit of a ConfigMap they do not reference").isEmpty();
    // one watch serves every ConfigMap of the namespace (one per object before)
    assertThat(total(watchesAfter) - total(watchesBefore)).isLessThan(RELEASES);
  }

  /** apiserver_longrunning_requests of WATCH on configmaps, by scope ("resource": one object by name). */
  static Map<String, Long> configMapWatches() {
    String metrics = cluster.kubectl("get", "--raw", "/metrics").orFail().output();
    Map<String, Long> byScope = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^apiserver_longrunning_requests\\{([^}]*)} ([0-9.eE+]+)$").matcher(metrics);
    while (m.find()) {
      String labels = m.group(1);
      if (labels.contains("verb=\"WATCH\"") && labels.contains("resource=\"configmaps\"")) {
        Matcher scope = Pattern.compile("scope=\"([^\"]*)\"").matcher(labels);
        byScope.merge(scope.find() ? scope.group(1) : "", (long) Double.parseDouble(m.group(2)), Long::sum);
      }
    }
    return byScope;
  }

  /** The operator's thread count and open sockets (its connections to the API server among them). */
  static String threadsAndSockets() {
    Path proc = Path.of("/proc", Long.toString(operator.pid()));
    try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
      long sockets = fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException closedMeanwhile) {
          return false;
        }
      }).count();
      String threads = Files.readAllLines(proc.resolve("status")).stream()
          .filter(line -> line.startsWith("Threads:")).map(line -> line.replaceAll("[^0-9]", "")).findFirst()
          .orElse("?");
      return threads + " threads, " + sockets + " sockets";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long total(Map<String, Long> watches) {
    return watches.values().stream().mapToLong(Long::longValue).sum();
  }
}
