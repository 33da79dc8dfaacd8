package io.helmop.e2e.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * CPU time and resident memory of an operator's processes as /proc shows them: the given root processes and all
 * their live descendants (helmop's Helm processes and render workers). CPU counts a root's own time plus that of
 * the children it already reaped (cutime/cstime) plus its live descendants' own time; memory is the sum of the
 * VmRSS of all of them, sampled every 250 ms while {@link #start started}, the peak kept; and the sum of their PSS
 * (proportional set size: a page shared by n processes counts 1/n in each, so pages the processes share, such
 * as one library file mapped by all of helmop's Helm workers, count once, as in the pod's memory use). Linux only.
 */
public final class ProcessMeter implements AutoCloseable {
  /** USER_HZ: the unit of /proc/PID/stat times; 100 on every Linux architecture the tests run on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private final Supplier<List<Long>> roots;
  private volatile long peakKib;
  private volatile long peakPssKib;
  private volatile long peakRootsKib;
  private volatile boolean running;
  private Thread sampler;
  private double cpuAtStart;

  public ProcessMeter(Supplier<List<Long>> roots) {
    this.roots = roots;
  }

  /** Starts measuring: CPU from now, peak RSS from now. */
  public ProcessMeter start() {
    cpuAtStart = cpuSeconds();
    peakKib = residentKib();
    peakPssKib = proportionalKib();
    running = true;
    sampler = new Thread(() -> {
      while (running) {
        peakKib = Math.max(peakKib, residentKib());
        peakPssKib = Math.max(peakPssKib, proportionalKib());
        peakRootsKib = Math.max(peakRootsKib, roots.get().stream().mapToLong(ProcessMeter::rssKib).sum());
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "process meter");
    sampler.setDaemon(true);
    sampler.start();
    return this;
  }

  /** CPU seconds the processes spent since {@link #start}. */
  public double cpuSecondsSinceStart() {
    return cpuSeconds() - cpuAtStart;
  }

  public long peakMib() {
    return Math.max(peakKib, residentKib()) / 1024;
  }

  /** The root processes' own peak RSS (helmop's JVM without its Helm workers). */
  public long peakRootsMib() {
    return peakRootsKib / 1024;
  }

  public long peakPssMib() {
    return Math.max(peakPssKib, proportionalKib()) / 1024;
  }

  /** Proportional memory of all processes now, in KiB. */
  public long proportionalKib() {
    long sum = 0;
    for (long pid : all()) {
      sum += field(Path.of("/proc/" + pid + "/smaps_rollup"), "Pss:");
    }
    return sum;
  }

  /** Resident memory of all processes now, in KiB. */
  public long residentKib() {
    long sum = 0;
    for (long pid : all()) {
      sum += rssKib(pid);
    }
    return sum;
  }

  private List<Long> all() {
    List<Long> pids = new ArrayList<>();
    for (long root : roots.get()) {
      pids.add(root);
      ProcessHandle.of(root).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
    }
    return pids;
  }

  private double cpuSeconds() {
    long ticks = 0;
    for (long root : roots.get()) {
      long[] times = stat(root);
      ticks += times[0] + times[1] + times[2] + times[3];
      for (long child : ProcessHandle.of(root).map(p -> p.descendants().map(ProcessHandle::pid).toList())
          .orElse(List.of())) {
        long[] own = stat(child);
        ticks += own[0] + own[1];
      }
    }
    return ticks / TICKS_PER_SECOND;
  }

  /** utime, stime, cutime, cstime of /proc/PID/stat; zeros once the process is gone. */
  private static long[] stat(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // fields after the command name, which is in parentheses and may hold spaces
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state): utime is field 14, so f[11]
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
          Long.parseLong(f[14])};
    } catch (IOException | RuntimeException gone) {
      return new long[4];
    }
  }

  private static long rssKib(long pid) {
    return field(Path.of("/proc/" + pid + "/status"), "VmRSS:");
  }

  /** A "Name:   123 kB" line's number from a /proc file; 0 once the process is gone. */
  private static long field(Path file, String name) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException gone) {
      // exited meanwhile
    }
    return 0;
  }

  @Override
  public void close() {
    running = false;
    if (sampler != null) {
      sampler.interrupt();
    }
  }
}
