package io.helmop.operator.source;

import java.time.Duration;

/**
 * How long and how much helmop reads from a chart source, so that a repository that stalls or sends without
 * end costs one release its fetch and nothing more. Set by the --source-* flags (docs/sources.md).
 *
 * @param connectTimeout to open a connection (TCP and TLS)
 * @param readTimeout longest silence: no response headers, or no byte of the body, for this long ends the fetch
 * @param totalTimeout one whole download (an index, an archive, a manifest, a Git fetch) ends after this long
 * @param maxIndexBytes an index.yaml (or an OCI tag list or manifest) larger than this is refused
 * @param maxArchiveBytes a chart archive larger than this is refused
 * @param maxUnpackedBytes the files of a chart, uncompressed, added up (a gzip bomb stops here)
 * @param maxFiles how many files a chart may hold
 * @param fetchWait how long a reconcile waits for a fetch before it lets the fetch go on without it
 */
public record SourceLimits(Duration connectTimeout, Duration readTimeout, Duration totalTimeout,
    long maxIndexBytes, long maxArchiveBytes, long maxUnpackedBytes, int maxFiles, Duration fetchWait) {
  private static final long MIB = 1024L * 1024;

  public static final SourceLimits DEFAULTS = new SourceLimits(Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofMinutes(5), 100 * MIB, 50 * MIB, 100 * MIB, 10_000, Duration.ofSeconds(5));

  /** A size as a person reads it: 50Mi, 100Mi, 512Ki, 300 bytes. */
  public static String size(long bytes) {
    if (bytes >= MIB && bytes % MIB == 0) {
      return bytes / MIB + "Mi";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return bytes / 1024 + "Ki";
    }
    return bytes + " bytes";
  }

  /** A duration as the flags take it: 30s, 5m, 1500ms. */
  public static String duration(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long seconds = d.toSeconds();
    return seconds % 60 == 0 && seconds > 0 ? seconds / 60 + "m" : seconds + "s";
  }
}
