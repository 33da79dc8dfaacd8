package io.helmop.operator.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's temporary folders (charts it builds, Helm workers' folders) are removed with this. */
public final class Folders {
  private static final Logger LOG = LoggerFactory.getLogger(Folders.class);

  private Folders() {}

  /**
   * Deletes {@code dir} and everything in it, as far as it can: a leftover in the operator's work directory harms
   * nothing, so a file that cannot be deleted is logged, not thrown. A missing (or null) folder is fine.
   */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(Folders::deleteFile);
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("Could not delete {}: {}", dir, e.getMessage());
    }
  }

  private static void deleteFile(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("Could not delete {}: {}", file, e.getMessage());
    }
  }
}
