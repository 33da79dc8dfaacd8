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
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chart archives on disk, named by the SHA-256 of their bytes, so a chart is downloaded once. The cache is
 * bounded: beyond {@code maxBytes}, the archives used least recently are deleted (a deleted one is simply
 * downloaded again when needed).
 */
public class ChartCache {
  private static final Logger LOG = LoggerFactory.getLogger(ChartCache.class);

  private final Path dir;
  private final long maxBytes;

  public ChartCache(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** The archive with this digest, if it is already cached. */
  public Optional<Path> find(String sha256) {
    if (sha256 == null || sha256.isBlank()) {
      return Optional.empty();
    }
    Path path = pathFor(sha256);
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    touch(path);
    return Optional.of(path);
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
      evictBeyondLimit(target);
      return new Stored(digest, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Deletes the least recently used archives until the cache fits its limit; never the one just stored. */
  synchronized void evictBeyondLimit(Path keep) throws IOException {
    List<Path> archives;
    try (Stream<Path> files = Files.list(dir)) {
      archives = files.filter(p -> p.getFileName().toString().endsWith(".tgz") && !p.getFileName().toString()
          .startsWith("download-")).sorted(Comparator.comparing(ChartCache::lastUsed)).toList();
    }
    long total = 0;
    for (Path archive : archives) {
      total += Files.size(archive);
    }
    for (Path archive : archives) {
      if (total <= maxBytes) {
        break;
      }
      if (!archive.equals(keep)) {
        total -= Files.size(archive);
        Files.deleteIfExists(archive);
        LOG.debug("Evicted chart archive {} from the cache", archive.getFileName());
      }
    }
  }

  private static FileTime lastUsed(Path path) {
    try {
      return Files.getLastModifiedTime(path);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private static void touch(Path path) {
    try {
      Files.setLastModifiedTime(path, FileTime.from(Instant.now()));
    } catch (IOException ignored) {
      // only affects which archive is evicted first
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
