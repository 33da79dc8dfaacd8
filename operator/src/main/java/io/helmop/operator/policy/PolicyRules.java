package io.helmop.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.helmop.operator.release.PreflightCharts;
import io.helmop.operator.release.RenderedObject;
import io.helmop.operator.values.ValuesSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of {@link Rule} on a rendered chart: its objects and hooks, the values it was rendered with, and the
 * HelmRelease's upgrade settings. A pure function of its input: the reconcile and the `check` command run the
 * same code.
 */
public final class PolicyRules {
  private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet");
  private static final Set<String> POD_TEMPLATES =
      Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job");

  private PolicyRules() {}

  /**
   * What the rules read.
   *
   * @param objects the rendered objects and hooks
   * @param valueSources the release's values, by where they came from
   * @param chartValues the chart's own values.yaml
   * @param chart the chart's name and version, to name its values.yaml
   * @param releaseName the Helm release name
   * @param upgrade the HelmRelease's upgrade settings; null when there is no HelmRelease (the `check` command)
   */
  public record Input(List<RenderedObject> objects, List<ValuesSource> valueSources, Map<String, Object> chartValues,
      String chart, String releaseName, Upgrade upgrade) {}

  /** spec.upgrade as the release uses it. */
  public record Upgrade(boolean atomic, boolean waitReady, Duration timeout) {}

  /** Every finding, in the order of the objects, then the values, then the HelmRelease. */
  public static List<Finding> evaluate(Input input, Set<Rule> excluded) {
    List<Finding> findings = new ArrayList<>();
    for (RenderedObject object : input.objects()) {
      Set<Rule> skipped = EnumSet.noneOf(Rule.class);
      skipped.addAll(excluded);
      skipped.addAll(optedOut(object));
      List<Finding> found = new ArrayList<>();
      checkObject(object, found);
      found.stream().filter(f -> !skipped.contains(f.rule())).forEach(findings::add);
    }
    if (!excluded.contains(Rule.NO_SECRETS_IN_VALUES)) {
      secretsInValues(input, findings);
    }
    if (!excluded.contains(Rule.STABLE_NAMES)) {
      stableNames(input, findings);
    }
    if (!excluded.contains(Rule.ATOMIC_UPGRADES) && input.upgrade() != null) {
      atomicUpgrades(input.upgrade(), findings);
    }
    return findings;
  }

  /** The rules an object opts out of with the helmop.io/policy-exclude annotation; unknown ids are ignored. */
  static Set<Rule> optedOut(RenderedObject object) {
    Set<Rule> rules = EnumSet.noneOf(Rule.class);
    String annotation = object.annotations().get(Rule.EXCLUDE_ANNOTATION);
    if (annotation != null) {
      Arrays.stream(annotation.split("[,\\s]+")).map(String::strip).map(Rule::byId)
          .forEach(rule -> rule.ifPresent(rules::add));
    }
    return rules;
  }

  private static void checkObject(RenderedObject object, List<Finding> findings) {
    JsonNode pod = podSpec(object);
    if (pod != null) {
      boolean workload = WORKLOADS.contains(object.kind());
      for (Container container : containers(pod)) {
        if (workload && !container.init()) {
          probe(object, container, "readinessProbe", Rule.READINESS_PROBE, "without one, a rolling update sends "
              + "traffic to pods that are not ready yet and retires the old ones too early", findings);
          probe(object, container, "livenessProbe", Rule.LIVENESS_PROBE, "without one, a hung process is never "
              + "restarted", findings);
        }
        resources(object, container, findings);
        imageTag(object, container, findings);
      }
    }
    if (object.hook()) {
      hookDeletePolicy(object, findings);
      if ("Job".equals(object.kind())) {
        hookDeadline(object, findings);
      }
    }
  }

  /** The pod spec of a pod, of a pod template, or of a CronJob's job template; null for other kinds. */
  private static JsonNode podSpec(RenderedObject object) {
    JsonNode spec = object.body().path("spec");
    if ("Pod".equals(object.kind())) {
      return spec;
    }
    if (POD_TEMPLATES.contains(object.kind())) {
      return spec.path("template").path("spec");
    }
    if ("CronJob".equals(object.kind())) {
      return spec.path("jobTemplate").path("spec").path("template").path("spec");
    }
    return null;
  }

  private record Container(JsonNode body, String name, boolean init) {
    String describe() {
      return (init ? "init container " : "container ") + name;
    }
  }

  private static List<Container> containers(JsonNode pod) {
    List<Container> containers = new ArrayList<>();
    pod.path("initContainers").forEach(c -> containers.add(new Container(c, c.path("name").asText("?"), true)));
    pod.path("containers").forEach(c -> containers.add(new Container(c, c.path("name").asText("?"), false)));
    return containers;
  }

  private static void probe(RenderedObject object, Container container, String field, Rule rule, String why,
      List<Finding> findings) {
    if (!container.body().path(field).isObject() || container.body().path(field).isEmpty()) {
      findings.add(new Finding(rule, object.describe(), container.describe(), "no " + field + ": " + why + ".",
          object.template()));
    }
  }

  private static void resources(RenderedObject object, Container container, List<Finding> findings) {
    List<String> missing = new ArrayList<>();
    JsonNode resources = container.body().path("resources");
    for (String kind : List.of("requests", "limits")) {
      for (String resource : List.of("cpu", "memory")) {
        JsonNode value = resources.path(kind).path(resource);
        if (value.isMissingNode() || value.isNull() || value.asText().isBlank()) {
          missing.add(kind + "." + resource);
        }
      }
    }
    if (!missing.isEmpty()) {
      findings.add(new Finding(Rule.RESOURCES, object.describe(), container.describe(), "no "
          + String.join(", ", missing) + ": without requests the scheduler cannot place it well, without limits "
          + "a runaway process can take the whole node.", object.template()));
    }
  }

  private static void imageTag(RenderedObject object, Container container, List<Finding> findings) {
    String image = container.body().path("image").asText("").strip();
    String problem = null;
    if (image.isEmpty()) {
      problem = "no image";
    } else if (!image.contains("@")) { // a digest pins the image whatever the tag says
      int slash = image.lastIndexOf('/');
      int colon = image.lastIndexOf(':');
      String tag = colon > slash ? image.substring(colon + 1) : null;
      if (tag == null) {
        problem = "image " + image + " has no tag, so Kubernetes pulls :latest";
      } else if (tag.isEmpty()) {
        problem = "image " + image + " has an empty tag";
      } else if (tag.equals("latest")) {
        problem = "image " + image + " uses the tag latest";
      }
    }
    if (problem != null) {
      findings.add(new Finding(Rule.IMAGE_TAG, object.describe(), container.describe(), problem + ": a moving "
          + "target means two pods of one revision may run different code and a rollback restores nothing; pin "
          + "a version tag or a digest.", object.template()));
    }
  }

  private static void hookDeletePolicy(RenderedObject object, List<Finding> findings) {
    String policy = object.annotations().get(RenderedObject.HOOK_DELETE_POLICY);
    if (policy == null || policy.isBlank()) {
      findings.add(new Finding(Rule.HOOK_DELETE_POLICY, object.describe(), "metadata.annotations", "no "
          + RenderedObject.HOOK_DELETE_POLICY + " annotation: the next run fails on the name the last run left "
          + "behind; set before-hook-creation (and hook-succeeded to clean up after success).",
          object.template()));
    }
  }

  private static void hookDeadline(RenderedObject object, List<Finding> findings) {
    JsonNode spec = object.body().path("spec");
    List<String> missing = new ArrayList<>();
    if (!spec.path("activeDeadlineSeconds").canConvertToLong() || spec.path("activeDeadlineSeconds").asLong() <= 0) {
      missing.add("spec.activeDeadlineSeconds");
    }
    if (!spec.path("backoffLimit").canConvertToInt()) {
      missing.add("spec.backoffLimit");
    }
    if (!missing.isEmpty()) {
      findings.add(new Finding(Rule.HOOK_DEADLINE, object.describe(), String.join(", ", missing), "not set: Helm "
          + "gives up on the hook after spec.upgrade.timeout but the Job keeps running (and retrying) and may "
          + "overlap the next upgrade; bound it.", object.template()));
    }
  }

  private static void secretsInValues(Input input, List<Finding> findings) {
    String advice = "holds a literal credential: values end up in Git. Keep it in a Secret the chart references "
        + "(existingSecret), or in a Secret named in spec.valuesFrom.";
    Set<String> setByTheRelease = new HashSet<>();
    for (ValuesSource source : input.valueSources()) {
      leaves("", source.values(), setByTheRelease);
      if (!source.secret()) {
        SecretLiterals.paths(source.values()).forEach(path ->
            findings.add(new Finding(Rule.NO_SECRETS_IN_VALUES, source.origin(), path, advice, null)));
      }
    }
    // a chart default the release replaces is not what gets installed: only the chart's owner can remove it
    SecretLiterals.paths(input.chartValues()).stream().filter(path -> !setByTheRelease.contains(path))
        .forEach(path -> findings.add(new Finding(Rule.NO_SECRETS_IN_VALUES, "values.yaml of chart "
            + input.chart(), path, advice, null)));
  }

  private static void leaves(String path, Object node, Set<String> paths) {
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> leaves(path.isEmpty() ? String.valueOf(key) : path + "." + key, value, paths));
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        leaves(path + "[" + i + "]", list.get(i), paths);
      }
    } else {
      paths.add(path);
    }
  }

  private static void stableNames(Input input, List<Finding> findings) {
    Map<String, Object> effective = new LinkedHashMap<>(input.chartValues());
    input.valueSources().forEach(source -> PreflightCharts.coalesce(effective, source.values()));
    Object override = effective.get("fullnameOverride");
    if (override instanceof String name && !name.isBlank()) {
      return;
    }
    String release = input.releaseName();
    List<String> following = input.objects().stream()
        .filter(o -> release != null && !release.isBlank() && o.name().contains(release))
        .map(RenderedObject::describe).limit(3).toList();
    if (following.isEmpty() && !input.chartValues().containsKey("fullnameOverride")) {
      return; // the chart's names do not depend on the release, and it has no such value
    }
    findings.add(new Finding(Rule.STABLE_NAMES, "values", "fullnameOverride", "not set"
        + (following.isEmpty() ? "" : ": object names follow the release name (" + String.join(", ", following)
        + ")") + "; set fullnameOverride so Services and ConfigMaps others refer to keep their names.", null));
  }

  private static void atomicUpgrades(Upgrade upgrade, List<Finding> findings) {
    String object = "HelmRelease spec.upgrade";
    if (!upgrade.atomic()) {
      findings.add(new Finding(Rule.ATOMIC_UPGRADES, object, "atomic", "is false: a failed upgrade is not rolled "
          + "back and a half-released revision keeps serving; remove it (true is the default).", null));
    }
    if (!upgrade.waitReady()) {
      findings.add(new Finding(Rule.ATOMIC_UPGRADES, object, "wait", "is false: Helm reports success before the "
          + "pods are ready, so a broken release is called deployed; remove it (true is the default).", null));
    }
    if (upgrade.timeout() == null || upgrade.timeout().isZero() || upgrade.timeout().isNegative()) {
      findings.add(new Finding(Rule.ATOMIC_UPGRADES, object, "timeout", "is zero: nothing bounds the wait; set one "
          + "longer than the slowest pod start-up (5m is the default).", null));
    }
  }
}
