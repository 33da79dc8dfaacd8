package io.helmop.operator.values;

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

/** Reads the top-level files of a packaged chart (name/Chart.yaml, name/values-production.yaml, ...). */
final class ChartFiles {
  private ChartFiles() {}

  /** File name (relative to the chart folder) to content, for files directly in the chart folder. */
  static Map<String, String> topLevelFiles(Path archive) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive));
        var tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String[] parts = entry.getName().split("/");
        if (entry.isFile() && parts.length == 2) {
          files.put(parts[1], new String(tar.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return files;
  }
}
