package io.helmop.operator.values;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.source.SourceLimits;
import io.helmop.operator.status.Reasons;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.HelmReleaseSpec;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading spec.valuesFiles out of archives built to hurt: a gzip bomb, a flood of files. */
class ChartFilesTest {
  static final SourceLimits LIMITS = new SourceLimits(Duration.ofSeconds(1), Duration.ofSeconds(1),
      Duration.ofSeconds(1), 1024, 1024, 8 * 1024 * 1024, 200, Duration.ofSeconds(1));

  @TempDir Path dir;

  @Test
  void aGzipBombStopsAtTheUnpackedBound() throws Exception {
    long huge = 1024L * 1024 * 1024; // 1 GiB of zeros, about 1 MiB gzipped
    Path archive = dir.resolve("bomb.tgz");
    try (var tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(archive)))) {
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      put(tar, "bomb/Chart.yaml", "name: bomb\nversion: 1.0.0\n".getBytes(StandardCharsets.UTF_8));
      TarArchiveEntry entry = new TarArchiveEntry("bomb/values-big.yaml");
      entry.setSize(huge);
      tar.putArchiveEntry(entry);
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < huge; written += zeros.length) {
        tar.write(zeros);
      }
      tar.closeArchiveEntry();
    }
    System.out.printf("gzip bomb: %d bytes on disk, %d unpacked%n", Files.size(archive), huge);

    assertThatThrownBy(() -> composeWith(archive)).isInstanceOfSatisfying(ReconcileFailure.class, f -> {
      assertThat(f.reason()).isEqualTo(Reasons.SOURCE_TOO_LARGE);
      assertThat(f.getMessage()).contains("bomb-1.0.0", "spec.valuesFiles", "larger than 8Mi",
          "--source-max-unpacked-size");
    });
  }

  @Test
  void tooManyFilesStop() throws Exception {
    Path archive = dir.resolve("many.tgz");
    try (var tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(archive)))) {
      put(tar, "many/Chart.yaml", "name: many\nversion: 1.0.0\n".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 1000; i++) {
        put(tar, "many/templates/f" + i + ".yaml", new byte[0]);
      }
    }
    assertThatThrownBy(() -> composeWith(archive)).isInstanceOfSatisfying(ReconcileFailure.class, f -> {
      assertThat(f.reason()).isEqualTo(Reasons.SOURCE_TOO_LARGE);
      assertThat(f.getMessage()).contains("more than 200 files (--source-max-files)");
    });
  }

  private static void composeWith(Path archive) throws ReconcileFailure {
    HelmRelease release = new HelmRelease();
    release.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("r").withNamespace("n")
        .build());
    HelmReleaseSpec spec = new HelmReleaseSpec();
    spec.setValuesFiles(List.of("values-big.yaml"));
    release.setSpec(spec);
    new ValuesComposer(null, LIMITS, new io.helmop.operator.status.Redaction()).sources(release, new ResolvedChart(archive.getFileName().toString()
        .replace(".tgz", ""), "1.0.0", "", archive, "digest"));
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] content) throws Exception {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
