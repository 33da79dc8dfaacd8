package io.helmop.operator.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** Chart archives on disk, named by the SHA-256 of their bytes, so a chart is downloaded once. */
public class ChartCache {
  private final Path dir;

  public ChartCache(Path dir) {
    this.dir = dir;
  }

  /** The archive with this digest, if it is already cached. */
  public Optional<Path> find(String sha256) {
    if (sha256 == null || sha256.isBlank()) {
      return Optional.empty();
    }
    Path path = pathFor(sha256);
    return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
  }

  /** Stores the stream and returns its digest and path. */
  public Stored store(InputStream archive) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "download-", ".tgz");
    try {
      MessageDigest sha256 = sha256();
      try (var in = new DigestInputStream(archive, sha256)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      String digest = HexFormat.of().formatHex(sha256.digest());
      Path target = pathFor(digest);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Stored(digest, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private Path pathFor(String sha256) {
    return dir.resolve(sha256 + ".tgz");
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  public record Stored(String digest, Path path) {}
}
