package io.helmop.operator.drift;

import io.helmop.api.v1alpha1.HelmRelease;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The label on every object of a release, {@code helmop.io/release: <namespace>.<name>} of its HelmRelease. */
public final class ReleaseLabel {
  public static final String KEY = "helmop.io/release";
  /** On an object: helmop neither reports nor corrects drift of it. */
  public static final String SKIP_ANNOTATION = "helmop.io/drift-detection";
  private static final int MAX_LABEL_VALUE = 63;

  private ReleaseLabel() {}

  /** The HelmRelease a label value names, as "namespace/name" (a namespace has no dots; a long name is cut). */
  public static String helmReleaseOf(String value) {
    return value.replaceFirst("\\.", "/");
  }

  /** {@code namespace.name}; when longer than a label value may be, its start plus a hash keeps it unique. */
  public static String valueOf(HelmRelease release) {
    String value = release.getMetadata().getNamespace() + "." + release.getMetadata().getName();
    if (value.length() <= MAX_LABEL_VALUE) {
      return value;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      String suffix = HexFormat.of().formatHex(hash, 0, 5);
      return value.substring(0, MAX_LABEL_VALUE - suffix.length() - 1).replaceAll("[^A-Za-z0-9]+$", "") + "-"
          + suffix;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
