package io.helmop.operator.values;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.ValuesReference;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.source.ResolvedChart;
import io.helmop.operator.source.SourceLimitExceeded;
import io.helmop.operator.source.SourceLimits;
import io.helmop.operator.status.Redaction;
import io.helmop.operator.status.Reasons;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The values helmop hands to Helm, which merges them over the chart's own defaults. In order, later wins:
 * spec.valuesFiles (files inside the chart), spec.valuesFrom (ConfigMaps and Secrets), inline spec.values.
 *
 * <p>Messages name the field, the object and the key, never a value: Secret contents must not reach status,
 * events or logs, and a YAML parser's message quotes the text it choked on, so only its line and column are
 * reported.
 */
public class ValuesComposer {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9_./-]+");

  private final KubernetesClient client;
  private final SourceLimits limits;
  private final Redaction redaction;

  public ValuesComposer(KubernetesClient client) {
    this(client, SourceLimits.DEFAULTS, new Redaction());
  }

  /**
   * @param limits bound what is read out of a chart archive for spec.valuesFiles
   * @param redaction learns every value read from a Secret, to keep it out of messages
   */
  public ValuesComposer(KubernetesClient client, SourceLimits limits, Redaction redaction) {
    this.client = client;
    this.limits = limits;
    this.redaction = redaction;
  }

  public Map<String, Object> compose(HelmRelease release, ResolvedChart chart) throws ReconcileFailure {
    return merged(sources(release, chart));
  }

  /** The sources' values merged in order, later wins. */
  public static Map<String, Object> merged(List<ValuesSource> sources) {
    Map<String, Object> merged = new LinkedHashMap<>();
    sources.forEach(source -> merge(merged, source.values()));
    return merged;
  }

  /** The values of each source in merge order, later wins (what {@link #compose} merges). */
  @SuppressWarnings("unchecked")
  public List<ValuesSource> sources(HelmRelease release, ResolvedChart chart) throws ReconcileFailure {
    List<ValuesSource> sources = new ArrayList<>();
    List<String> files = release.getSpec().getValuesFiles();
    if (files != null && !files.isEmpty()) {
      Map<String, String> chartFiles = readChart(chart, limits);
      for (int i = 0; i < files.size(); i++) {
        String field = "spec.valuesFiles[" + i + "]";
        sources.add(new ValuesSource(field + " (" + files.get(i) + ")",
            fromChartFile(chartFiles, files.get(i), field, chart), false));
      }
    }
    List<ValuesReference> refs = release.getSpec().getValuesFrom();
    for (int i = 0; refs != null && i < refs.size(); i++) {
      ValuesReference ref = refs.get(i);
      String field = "spec.valuesFrom[" + i + "]";
      sources.add(new ValuesSource(field + " (" + ref.getKind() + " " + release.getMetadata().getNamespace() + "/"
          + ref.getName() + ")", fromReference(release, ref, field), "Secret".equals(ref.getKind())));
    }
    if (release.getSpec().getValues() != null) {
      sources.add(new ValuesSource("spec.values",
          YAML.convertValue(release.getSpec().getValues(), LinkedHashMap.class), false));
    }
    return sources;
  }

  private static Map<String, String> readChart(ResolvedChart chart, SourceLimits limits) throws ReconcileFailure {
    try {
      return ChartFiles.topLevelFiles(chart.archive(), limits);
    } catch (IOException e) {
      if (SourceLimitExceeded.in(e) != null) {
        throw SourceLimitExceeded.in(e).failure("chart " + chart.nameAndVersion() + " for spec.valuesFiles");
      }
      throw ReconcileFailure.stalled(Reasons.CHART_INVALID, "Chart " + chart.nameAndVersion()
          + " is not a readable chart archive (" + e.getClass().getSimpleName() + "): republish it.");
    }
  }

  private static Map<String, Object> fromChartFile(Map<String, String> chartFiles, String file, String field,
      ResolvedChart chart) throws ReconcileFailure {
    String content = chartFiles.get(file);
    if (content == null) {
      List<String> available = chartFiles.keySet().stream()
          .filter(name -> name.startsWith("values") && (name.endsWith(".yaml") || name.endsWith(".yml")))
          .toList();
      throw ReconcileFailure.stalled(Reasons.VALUES_FILE_NOT_FOUND, field + " \"" + file + "\" is not a file of chart "
          + chart.nameAndVersion() + "; its values files are " + available + ". Fix the name.");
    }
    return parseMap(content, field + " (\"" + file + "\" in chart " + chart.nameAndVersion() + ")", false);
  }

  private Map<String, Object> fromReference(HelmRelease release, ValuesReference ref, String field)
      throws ReconcileFailure {
    String namespace = release.getMetadata().getNamespace();
    String key = ref.getValuesKey() == null || ref.getValuesKey().isBlank() ? "values.yaml" : ref.getValuesKey();
    boolean secret = "Secret".equals(ref.getKind());
    String object = ref.getKind() + " " + namespace + "/" + ref.getName();
    Optional<String> content = secret ? secretValue(namespace, ref.getName(), key)
        : configMapValue(namespace, ref.getName(), key);
    if (content.isEmpty()) {
      if (Boolean.TRUE.equals(ref.getOptional())) {
        return Map.of();
      }
      throw ReconcileFailure.retryable(Reasons.VALUES_FROM_NOT_FOUND, field + ": " + object + " has no key \"" + key
          + "\" (or does not exist). Create it, fix spec.valuesFrom, or set optional: true. helmop retries "
          + "with backoff.", null);
    }
    String where = field + " (" + object + ", key \"" + key + "\")";
    if (secret) { // before parsing: a parse error must not quote it either
      redaction.remember("values of " + namespace + "/" + release.getMetadata().getName(), List.of(content.get()));
    }
    Map<String, Object> values = ref.getTargetPath() != null && !ref.getTargetPath().isBlank()
        ? atPath(ref.getTargetPath(), content.get(), field) : parseMap(content.get(), where, secret);
    if (secret) {
      redaction.remember("values of " + namespace + "/" + release.getMetadata().getName(), Redaction.leaves(values));
    }
    return values;
  }

  private Optional<String> configMapValue(String namespace, String name, String key) {
    ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
    return Optional.ofNullable(map == null || map.getData() == null ? null : map.getData().get(key));
  }

  private Optional<String> secretValue(String namespace, String name, String key) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      return Optional.empty();
    }
    if (secret.getData() != null && secret.getData().containsKey(key)) {
      return Optional.of(new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8));
    }
    return Optional.ofNullable(secret.getStringData() == null ? null : secret.getStringData().get(key));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseMap(String content, String where, boolean secret)
      throws ReconcileFailure {
    Object parsed;
    try {
      parsed = YAML.readValue(content, Object.class);
    } catch (JsonProcessingException e) {
      var location = e.getLocation();
      throw ReconcileFailure.stalled(Reasons.INVALID_VALUES, where + " is not valid YAML"
          + (location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")")
          + ". Fix it; helmop picks up the change.");
    }
    if (parsed == null) {
      return Map.of();
    }
    if (!(parsed instanceof Map)) {
      throw ReconcileFailure.stalled(Reasons.INVALID_VALUES, where + " holds YAML that is not a map of values"
          + (secret ? "" : " (it is a " + parsed.getClass().getSimpleName() + ")")
          + ": write key: value pairs, or set targetPath to use the content as one value.");
    }
    return (Map<String, Object>) parsed;
  }

  /** targetPath a.b.c (a dot inside a key written \.) set to the whole content, as a string. */
  static Map<String, Object> atPath(String path, String value, String field) throws ReconcileFailure {
    List<String> segments = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '\\' && i + 1 < path.length() && path.charAt(i + 1) == '.') {
        current.append('.');
        i++;
      } else if (c == '.') {
        segments.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    segments.add(current.toString());
    for (String segment : segments) {
      if (!PATH_SEGMENT.matcher(segment).matches()) {
        throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + ".targetPath \"" + path + "\" is not a valid "
            + "values path: write dot-separated keys of letters, digits, -, _ and /, e.g. database.password "
            + "(a dot inside a key: \\.).");
      }
    }
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> node = root;
    for (int i = 0; i < segments.size() - 1; i++) {
      Map<String, Object> child = new LinkedHashMap<>();
      node.put(segments.get(i), child);
      node = child;
    }
    node.put(segments.get(segments.size() - 1), value);
    return root;
  }

  /**
   * Helm's merge: maps merge key by key, anything else replaces. A null is kept (not dropped): Helm reads it as
   * "remove this key from the chart's defaults".
   */
  @SuppressWarnings("unchecked")
  static void merge(Map<String, Object> base, Map<String, Object> override) {
    override.forEach((key, value) -> {
      Object existing = base.get(key);
      if (existing instanceof Map && value instanceof Map) {
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) existing);
        merge(copy, (Map<String, Object>) value);
        base.put(key, copy);
      } else {
        base.put(key, value instanceof Map ? new LinkedHashMap<>((Map<String, Object>) value) : value);
      }
    });
  }
}
