package io.helmop.operator.release;

import com.marcnuri.helm.jni.HelmLib;
import com.marcnuri.helm.jni.NativeLibrary;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ServiceLoader;

/**
 * Loads Helm's native library from one file that the operator and all its Helm workers share. helm-java copies
 * its 94 MB library into a new temporary folder in every JVM that loads it, so each worker mapped a file of its
 * own: about 48 MiB of resident memory per worker that the kernel could not share, and 94 MB of disk each. From
 * one file, the library's pages are in memory once for all of them.
 *
 * <p>helm-java finds its library through {@link ServiceLoader}, and this provider is listed before its own
 * (META-INF/services of this module comes first on the class path and in the operator's jar). Without the
 * {@value #PROPERTY} system property (set by {@link #extract} in the operator, passed on to workers), it loads
 * the library the way helm-java does.
 */
public final class SharedHelmLibrary implements NativeLibrary {
  static final String PROPERTY = "helmop.helm.library";

  @Override
  public String getBinaryName() {
    return platform().getBinaryName();
  }

  @Override
  public HelmLib load() {
    String shared = System.getProperty(PROPERTY);
    if (shared == null || !Files.isRegularFile(Path.of(shared))) {
      return platform().load();
    }
    return Native.load(shared, HelmLib.class);
  }

  /**
   * Writes the library into {@code dir} (replacing a copy of an earlier operator process: a worker still mapping
   * it keeps its own inode) and makes this JVM, and the workers it starts, load it from there.
   */
  public static Path extract(Path dir) {
    NativeLibrary platform = platform();
    Path target = dir.resolve(platform.getBinaryName());
    try (InputStream library = platform.getClass().getResourceAsStream("/" + platform.getBinaryName())) {
      if (library == null) {
        throw new IllegalStateException("helm-java's " + platform.getBinaryName() + " is not on the class path");
      }
      Files.createDirectories(dir);
      Path partial = Files.createTempFile(dir, "partial-", ".so");
      Files.copy(library, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write Helm's library into " + dir, e);
    }
    System.setProperty(PROPERTY, target.toString());
    return target;
  }

  /** The JVM option that makes a worker load the operator's copy ("" when the operator uses helm-java's way). */
  static String workerOption() {
    String shared = System.getProperty(PROPERTY);
    return shared == null ? "" : "-D" + PROPERTY + "=" + shared;
  }

  /** helm-java's own provider for this platform (looked up by type, so this class is not instantiated again). */
  private static NativeLibrary platform() {
    return ServiceLoader.load(NativeLibrary.class, SharedHelmLibrary.class.getClassLoader()).stream()
        .filter(provider -> provider.type() != SharedHelmLibrary.class)
        .findFirst().map(ServiceLoader.Provider::get)
        .orElseThrow(() -> new IllegalStateException("helm-java's native library for this platform is not on "
            + "the class path"));
  }
}
