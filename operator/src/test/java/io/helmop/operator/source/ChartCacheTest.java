package io.helmop.operator.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartCacheTest {
  @TempDir Path dir;

  @Test
  void staysWithinItsLimitByEvictingTheLeastRecentlyUsedArchive() throws Exception {
    ChartCache cache = new ChartCache(dir, 250);
    var a = cache.store(new ByteArrayInputStream(new byte[100]));
    var b = cache.store(new ByteArrayInputStream(new byte[101]));
    Files.setLastModifiedTime(a.path(), FileTime.fromMillis(1_000));
    Files.setLastModifiedTime(b.path(), FileTime.fromMillis(2_000));
    assertThat(cache.find(a.digest())).isPresent(); // using a makes b the least recently used

    var c = cache.store(new ByteArrayInputStream(new byte[102]));

    assertThat(cache.find(b.digest())).isEmpty();
    assertThat(cache.find(a.digest())).isPresent();
    assertThat(cache.find(c.digest())).isPresent();
  }
}
