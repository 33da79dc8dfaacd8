package io.helmop.operator.values;

import io.helmop.operator.source.SourceLimitExceeded;
import io.helmop.operator.source.SourceLimits;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.io.input.ProxyInputStream;

/**
 * Reads the top-level files of a packaged chart (name/Chart.yaml, name/values-production.yaml, ...). The archive
 * is read within {@link SourceLimits#maxUnpackedBytes()} uncompressed and {@link SourceLimits#maxFiles()} entries:
 * a few KiB of gzip can unpack to GiBs.
 */
final class ChartFiles {
  private ChartFiles() {}

  /** File name (relative to the chart folder) to content, for files directly in the chart folder. */
  static Map<String, String> topLevelFiles(Path archive, SourceLimits limits) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive));
        var tar = new TarArchiveInputStream(new Unpacked(new GZIPInputStream(in), limits.maxUnpackedBytes()))) {
      TarArchiveEntry entry;
      int entries = 0;
      while ((entry = tar.getNextEntry()) != null) {
        if (++entries > limits.maxFiles()) {
          throw SourceLimitExceeded.tooManyFiles("the chart archive", limits);
        }
        String[] parts = entry.getName().split("/");
        if (entry.isFile() && parts.length == 2) {
          files.put(parts[1], new String(tar.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return files;
  }

  /** Counts what the gzip stream unpacks, and stops past the bound. */
  private static final class Unpacked extends ProxyInputStream {
    private final long max;
    private long count;

    Unpacked(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    protected void afterRead(int n) throws IOException {
      if (n > 0) {
        count += n;
        if (count > max) {
          throw SourceLimitExceeded.tooLarge("the chart archive, unpacked,", max, "--source-max-unpacked-size");
        }
      }
    }
  }
}
