package io.helmop.operator.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.values.ValuesSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What the release should be: the chart, the values and the options. The digest covers what changes the
 * released objects (chart bytes, values, release name and namespace); Helm is called only when it differs from
 * the last applied one. Upgrade options such as the timeout are not part of it: changing them alone does not
 * deserve a new revision.
 */
public record DesiredRelease(ResolvedChart chart, ReleaseRequest request, String digest,
    List<ValuesSource> valueSources) {
  private static final ObjectMapper CANONICAL_JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  public static DesiredRelease of(ResolvedChart chart, ReleaseRequest request) {
    return of(chart, request, List.of());
  }

  /** @param valueSources where the values came from, for the preflight's checks (not part of the digest) */
  public static DesiredRelease of(ResolvedChart chart, ReleaseRequest request, List<ValuesSource> valueSources) {
    return of(chart, request, valueSources, null);
  }

  /**
   * @param postRendering spec.postRenderers and spec.commonMetadata as canonical JSON; null when the spec has
   *     none, which leaves the digest of such releases as it always was
   */
  public static DesiredRelease of(ResolvedChart chart, ReleaseRequest request, List<ValuesSource> valueSources,
      String postRendering) {
    return new DesiredRelease(chart, request, digest(chart.digest(), request, postRendering), valueSources);
  }

  static String digest(String chartDigest, ReleaseRequest request) {
    return digest(chartDigest, request, null);
  }

  static String digest(String chartDigest, ReleaseRequest request, String postRendering) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      update(sha256, "chart", chartDigest);
      update(sha256, "release", request.releaseName());
      update(sha256, "namespace", request.namespace());
      update(sha256, "values", CANONICAL_JSON.writeValueAsString(request.values()));
      if (postRendering != null) {
        update(sha256, "postRendering", postRendering);
      }
      return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot compute the release digest", e);
    }
  }

  private static void update(MessageDigest digest, String field, String value) {
    // length-prefixed so that no two different inputs produce the same byte stream
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    digest.update((field + ":" + bytes.length + ":").getBytes(StandardCharsets.UTF_8));
    digest.update(bytes);
  }

  @Override
  public String toString() {
    return "DesiredRelease[" + request + " " + chart.nameAndVersion() + " " + digest + "]";
  }

  public String releaseName() {
    return request.releaseName();
  }

  public String namespace() {
    return request.namespace();
  }
}
