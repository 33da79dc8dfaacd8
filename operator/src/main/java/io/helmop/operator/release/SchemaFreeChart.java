package io.helmop.operator.release;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * disableSchemaValidation: helm-java 0.0.21 cannot pass Helm's --skip-schema-validation, so Helm (and the
 * preflight, which renders the same file) gets a copy of the chart archive without its values.schema.json files,
 * the packaged subcharts' included. The copy sits beside the cached archive, whose name carries its digest.
 */
final class SchemaFreeChart {
  static final String SCHEMA = "values.schema.json";

  private SchemaFreeChart() {}

  static Path copyOf(Path archive) throws ReconcileFailure {
    Path copy = archive.resolveSibling(archive.getFileName() + ".without-schema.tgz");
    if (Files.exists(copy)) {
      return copy;
    }
    Path partial = null;
    try {
      partial = Files.createTempFile(archive.getParent(), "without-schema-", ".part");
      try (InputStream in = Files.newInputStream(archive); OutputStream out = Files.newOutputStream(partial)) {
        strip(in, out, new long[] {PreflightCharts.MAX_UNPACKED_BYTES, PreflightCharts.MAX_ENTRIES});
      }
      Files.move(partial, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return copy;
    } catch (IOException e) {
      deleteQuietly(partial);
      throw ReconcileFailure.stalled(Reasons.CHART_INVALID, "disableSchemaValidation: the chart archive "
          + archive.getFileName() + " could not be copied without its " + SCHEMA + ": " + e.getMessage() + ".");
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      if (file != null) {
        Files.deleteIfExists(file);
      }
    } catch (IOException ignored) {
      // a temporary file in the chart cache
    }
  }

  /**
   * Copies a .tgz chart, leaving out every values.schema.json and stripping packaged subcharts the same way,
   * within {@code budget}: bytes and entries left (the preflight's bounds on an unpacked chart, subcharts included).
   */
  static void strip(InputStream archive, OutputStream out, long[] budget) throws IOException {
    try (var tarIn = new TarArchiveInputStream(new GZIPInputStream(archive));
        var tarOut = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
      tarOut.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry entry;
      while ((entry = tarIn.getNextEntry()) != null) {
        String name = entry.getName();
        if (name.equals(SCHEMA) || name.endsWith("/" + SCHEMA)) {
          continue;
        }
        if (--budget[1] < 0) {
          throw new IOException("the chart has more than " + PreflightCharts.MAX_ENTRIES + " files");
        }
        byte[] bytes = tarIn.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, budget[0] + 1));
        budget[0] -= bytes.length;
        if (budget[0] < 0) {
          throw new IOException("the chart unpacks to more than " + (PreflightCharts.MAX_UNPACKED_BYTES >> 20)
              + " MiB");
        }
        if (name.contains("/charts/") && name.endsWith(".tgz")) {
          var subchart = new ByteArrayOutputStream();
          strip(new ByteArrayInputStream(bytes), subchart, budget);
          bytes = subchart.toByteArray();
        }
        TarArchiveEntry copy = new TarArchiveEntry(name);
        copy.setSize(entry.isDirectory() ? 0 : bytes.length);
        copy.setModTime(entry.getModTime());
        copy.setMode(entry.getMode());
        tarOut.putArchiveEntry(copy);
        if (!entry.isDirectory()) {
          tarOut.write(bytes);
        }
        tarOut.closeArchiveEntry();
      }
    }
  }
}
