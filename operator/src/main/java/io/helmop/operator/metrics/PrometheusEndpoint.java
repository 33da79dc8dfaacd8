package io.helmop.operator.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The registry /metrics shows, in Prometheus' text format, with the JVM's and the process's own meters. */
public final class PrometheusEndpoint {
  private static final Path STATUS = Path.of("/proc/self/status");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public PrometheusEndpoint() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry); // lives as long as the process
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    // what the kernel counts against a container's memory limit, heap or not (Helm's Go runtime lives outside it)
    Gauge.builder("process.resident.memory", PrometheusEndpoint::residentBytes).baseUnit("bytes")
        .description("Resident set size of the operator process (VmRSS), Helm child processes not included")
        .strongReference(true).register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  private static double residentBytes() {
    try {
      return Files.readAllLines(STATUS).stream().filter(line -> line.startsWith("VmRSS:"))
          .mapToDouble(line -> Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024).findFirst()
          .orElse(Double.NaN);
    } catch (IOException | RuntimeException e) {
      return Double.NaN; // not Linux
    }
  }
}
