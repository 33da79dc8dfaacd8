package io.helmop.operator.policy;

import io.helmop.operator.files.Folders;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.api.v1alpha1.PolicySpec;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.lifecycle.SignalHandlers;
import io.helmop.operator.release.HelmException;
import io.helmop.operator.release.HelmJavaEngine;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedRelease;
import io.helmop.operator.values.ValuesComposer;
import io.helmop.operator.values.ValuesSource;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * `helmop check CHART`: the preflight of a release, in CI and without a cluster. The chart is rendered with the
 * values (Helm checks values.schema.json first) as the given Kubernetes version would, linted with the same
 * values, and the policy rules run on its objects and hooks, exactly as the operator runs them. Only the
 * server-side dry run needs a cluster and is left out.
 */
@CommandLine.Command(name = "check", mixinStandardHelpOptions = true,
    description = {
        "Checks a chart before it reaches Git or a cluster: renders it with the values (values.schema.json "
            + "included), runs helm lint with them and the policy rules of the production checklist on the "
            + "rendered objects and hooks. No cluster is needed.",
        "Exit code: 0 when the chart passes (warnings allowed), 1 when it does not render, does not match its "
            + "schema, fails lint, or breaks a rule that blocks in the given mode, 2 on a usage error."})
public final class CheckCommand implements Callable<Integer> {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @CommandLine.Parameters(index = "0", paramLabel = "CHART", description = "A chart folder or a packaged chart (.tgz).")
  Path chart;

  @CommandLine.Option(names = {"-f", "--values"}, paramLabel = "FILE",
      description = "A values file, merged in order over the chart's defaults (like helm -f). Repeatable.")
  List<Path> valuesFiles = new ArrayList<>();

  @CommandLine.Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "A value on the command line, merged last (like helm --set: a.b=c, several separated by "
          + "commas, \\, for a comma and \\. for a dot in a key; true, false, null and integers are typed). "
          + "Repeatable.")
  List<String> sets = new ArrayList<>();

  @CommandLine.Option(names = "--kube-version", paramLabel = "VERSION", defaultValue = "1.33",
      description = "The Kubernetes version to render as (Capabilities.KubeVersion, the chart's kubeVersion "
          + "constraint). Default: ${DEFAULT-VALUE}.")
  String kubeVersion;

  @CommandLine.Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
      description = "text (for people) or json (for tools). Default: ${DEFAULT-VALUE}.")
  String output;

  @CommandLine.Option(names = "--mode", paramLabel = "MODE", defaultValue = "Enforce",
      description = "Enforce: a finding of a blocking rule fails the check (as it would block the release). "
          + "Warn: findings are printed and the check passes. Default: ${DEFAULT-VALUE}.")
  String mode;

  @CommandLine.Option(names = "--exclude", paramLabel = "RULE", split = ",",
      description = "Rule ids not checked, like spec.policy.exclude. Repeatable or comma separated.")
  List<String> exclude = new ArrayList<>();

  @CommandLine.Option(names = "--release-name", paramLabel = "NAME",
      description = "The release name to render with. Default: the chart's name.")
  String releaseName;

  @CommandLine.Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
      description = "The namespace to render with. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** One step's outcome, as printed. */
  record Step(String name, boolean passed, String detail) {}

  @Override
  public Integer call() throws Exception {
    quietLogs();
    PrintWriter out = spec.commandLine().getOut();
    boolean json = switch (output.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "json" -> true;
      case "text" -> false;
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "--output \"" + output + "\" is not text or json");
    };
    PolicySpec.Mode policyMode = switch (mode.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "enforce" -> PolicySpec.Mode.Enforce;
      case "warn" -> PolicySpec.Mode.Warn;
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "--mode \"" + mode + "\" is not Enforce or Warn");
    };
    Set<Rule> excluded = EnumSet.noneOf(Rule.class);
    for (String id : exclude) {
      excluded.add(Rule.byId(id.strip()).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
          "--exclude \"" + id + "\" is not a rule id; the rules are " + PolicySettings.ruleIds())));
    }
    if (!Files.exists(chart)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "CHART " + chart + " does not exist");
    }
    ChartInfo info = ChartInfo.read(chart);
    List<ValuesSource> sources = new ArrayList<>();
    for (Path file : valuesFiles) {
      sources.add(new ValuesSource("-f " + file, readValues(file), false));
    }
    if (!sets.isEmpty()) {
      try {
        sources.add(new ValuesSource("--set", setValues(sets), false));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    String release = releaseName == null || releaseName.isBlank() ? info.name() : releaseName;
    ReleaseRequest request = new ReleaseRequest(release, namespace, chart.toAbsolutePath(),
        ValuesComposer.merged(sources), true, true, Duration.ofMinutes(5), false, true);

    Path workDir = Files.createTempDirectory("helmop-check-");
    try {
      var helm = new HelmJavaEngine(HelmKubeconfig.fromFile(null), SignalHandlers.captureJvmHandlers(), workDir);
      Report report = check(helm, request, kubeVersion, sources, info, new PolicySettings(policyMode, excluded));
      out.print(json ? report.json(this, info, request) : report.text(this, info, request));
      out.flush();
      return report.passed() ? 0 : 1;
    } finally {
      Folders.delete(workDir);
    }
  }

  /** Everything the check found. */
  record Report(List<Step> steps, List<Finding> findings, PolicySettings settings) {
    boolean passed() {
      return steps.stream().allMatch(Step::passed);
    }

    String text(CheckCommand command, ChartInfo info, ReleaseRequest request) {
      StringBuilder text = new StringBuilder();
      text.append("Chart ").append(info.nameAndVersion()).append(" (").append(command.chart).append("), release ")
          .append(request.releaseName()).append(" in namespace ").append(request.namespace())
          .append(", Kubernetes ").append(command.kubeVersion).append('\n');
      for (Step step : steps) {
        text.append(String.format("  %-15s %s%s%n", step.name(), step.passed() ? "ok" : "FAILED",
            step.detail().isEmpty() ? "" : ": " + step.detail()));
      }
      List<Finding> ordered = findings.stream().sorted(Comparator.comparing(f -> !blocks(f))).toList();
      for (Finding finding : ordered) {
        text.append(String.format("    %-7s %s%n", blocks(finding) ? "BLOCK" : "WARN", finding.describe()));
      }
      long blocking = findings.stream().filter(this::blocks).count();
      text.append(passed() ? "Result: passed" : "Result: FAILED").append(findings.isEmpty() ? ""
          : " (" + findings.size() + " finding" + (findings.size() == 1 ? "" : "s") + ", " + blocking
          + " blocking in mode " + settings.mode() + ")").append('\n');
      return text.toString();
    }

    String json(CheckCommand command, ChartInfo info, ReleaseRequest request) throws IOException {
      ObjectNode root = JSON.createObjectNode();
      root.put("chart", info.nameAndVersion());
      root.put("path", command.chart.toString());
      root.put("releaseName", request.releaseName());
      root.put("namespace", request.namespace());
      root.put("kubeVersion", command.kubeVersion);
      root.put("mode", settings.mode().name());
      root.put("passed", passed());
      ArrayNode stepsJson = root.putArray("steps");
      steps.forEach(step -> stepsJson.addObject().put("step", step.name()).put("passed", step.passed())
          .put("detail", step.detail()));
      ArrayNode findingsJson = root.putArray("findings");
      for (Finding finding : findings) {
        ObjectNode f = findingsJson.addObject();
        f.put("rule", finding.rule().id());
        f.put("blocking", blocks(finding));
        f.put("object", finding.object());
        f.put("path", finding.path());
        f.put("message", finding.message());
        f.put("template", finding.template());
      }
      return JSON.writeValueAsString(root) + "\n";
    }

    boolean blocks(Finding finding) {
      return settings.mode() == PolicySpec.Mode.Enforce && finding.blocking();
    }
  }

  /** The preflight's steps without the dry run; the first failing step ends it, as in the operator. */
  static Report check(HelmJavaEngine helm, ReleaseRequest request, String kubeVersion, List<ValuesSource> sources,
      ChartInfo info, PolicySettings settings) {
    List<Step> steps = new ArrayList<>();
    RenderedRelease rendered;
    try {
      rendered = helm.render(request, kubeVersion);
    } catch (HelmException e) {
      Redactor redactor = Redactor.of(sources, Map.of());
      String message = e.getMessage() == null ? "" : e.getMessage();
      if (HelmMessages.isSchemaFailure(message)) {
        steps.add(new Step("values schema", false, redactor.apply(String.join("; ",
            HelmMessages.schemaViolations(message)))));
      } else {
        steps.add(new Step("render", false, redactor.apply(HelmException.summary(e))));
      }
      return new Report(steps, List.of(), settings);
    }
    Redactor redactor = Redactor.of(sources, rendered.chartValues());
    int hooks = rendered.hooks().size();
    steps.add(new Step("render", true, (rendered.objects().size() - hooks) + " objects, " + hooks + " hook"
        + (hooks == 1 ? "" : "s") + (rendered.hooksRendered() ? "" : " (the hooks could not be rendered)")));
    steps.add(new Step("values schema", true, info.hasSchema() ? "values.schema.json" : "no values.schema.json"));

    try {
      List<String> errors = HelmMessages.lintErrors(helm.lint(request).messages());
      steps.add(new Step("helm lint", errors.isEmpty(), redactor.apply(String.join("; ", errors))));
      if (!errors.isEmpty()) {
        return new Report(steps, List.of(), settings);
      }
    } catch (HelmException e) {
      steps.add(new Step("helm lint", false, "could not run: " + redactor.apply(HelmException.summary(e))));
      return new Report(steps, List.of(), settings);
    }

    var input = new PolicyRules.Input(rendered.objects(), sources, rendered.chartValues(), info.nameAndVersion(),
        request.releaseName(), null);
    List<Finding> findings = PolicyRules.evaluate(input, settings.exclude());
    long blocking = settings.mode() == PolicySpec.Mode.Enforce ? findings.stream().filter(Finding::blocking).count()
        : 0;
    steps.add(new Step("policy rules", blocking == 0, findings.isEmpty() ? "every rule passes"
        + settings.describeExclusions() : findings.size() + " finding" + (findings.size() == 1 ? "" : "s")
        + settings.describeExclusions()));
    return new Report(steps, findings, settings);
  }

  /** The chart's name, version and whether it has a values.schema.json, read from its Chart.yaml. */
  record ChartInfo(String name, String version, boolean hasSchema) {
    String nameAndVersion() {
      return name + "-" + version;
    }

    static ChartInfo read(Path chart) throws IOException {
      Map<String, String> files = new LinkedHashMap<>();
      if (Files.isDirectory(chart)) {
        for (String file : List.of("Chart.yaml", "values.schema.json")) {
          if (Files.isRegularFile(chart.resolve(file))) {
            files.put(file, Files.readString(chart.resolve(file), StandardCharsets.UTF_8));
          }
        }
      } else {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(chart));
            var tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
          TarArchiveEntry entry;
          while ((entry = tar.getNextEntry()) != null) {
            String[] parts = entry.getName().split("/");
            if (entry.isFile() && parts.length == 2
                && (parts[1].equals("Chart.yaml") || parts[1].equals("values.schema.json"))) {
              files.put(parts[1], new String(tar.readAllBytes(), StandardCharsets.UTF_8));
            }
          }
        }
      }
      if (!files.containsKey("Chart.yaml")) {
        throw new IOException(chart + " is not a chart: it has no Chart.yaml");
      }
      JsonNode metadata = YAML.readTree(files.get("Chart.yaml"));
      return new ChartInfo(metadata.path("name").asText("chart"), metadata.path("version").asText("0.0.0"),
          files.containsKey("values.schema.json"));
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> readValues(Path file) {
    try {
      Object values = YAML.readValue(file.toFile(), Object.class);
      if (values == null) {
        return Map.of();
      }
      if (!(values instanceof Map)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "-f " + file + " is not a map of values");
      }
      return (Map<String, Object>) values;
    } catch (IOException e) {
      var location = e instanceof com.fasterxml.jackson.core.JsonProcessingException p ? p.getLocation() : null;
      throw new CommandLine.ParameterException(spec.commandLine(), "-f " + file + " cannot be read as YAML"
          + (location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")"));
    }
  }

  /** --set a.b=c,d=1 as Helm reads it (no list indexes): a map. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> setValues(List<String> sets) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (String set : sets) {
      for (String assignment : splitUnescaped(set, ',')) {
        int equals = assignment.indexOf('=');
        if (equals <= 0) {
          throw new IllegalArgumentException("--set \"" + assignment + "\" is not KEY=VALUE");
        }
        List<String> keys = splitUnescaped(assignment.substring(0, equals), '.');
        Map<String, Object> node = values;
        for (int i = 0; i < keys.size() - 1; i++) {
          Object child = node.get(keys.get(i));
          if (!(child instanceof Map)) {
            child = new LinkedHashMap<String, Object>();
            node.put(keys.get(i), child);
          }
          node = (Map<String, Object>) child;
        }
        node.put(keys.get(keys.size() - 1), typed(assignment.substring(equals + 1)));
      }
    }
    return values;
  }

  private static Object typed(String value) {
    if (value.equals("true") || value.equals("false")) {
      return Boolean.parseBoolean(value);
    }
    if (value.equals("null")) {
      return null;
    }
    if (value.matches("-?(0|[1-9][0-9]{0,17})")) {
      return Long.parseLong(value);
    }
    return value;
  }

  private static List<String> splitUnescaped(String text, char separator) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == separator) {
        current.append(separator);
        i++;
      } else if (c == separator) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }

  /** Logs go to stderr and only when something is wrong: stdout is the report (and JSON must stay JSON). */
  private static void quietLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      root.setLevel(Level.WARN);
      context.getLogger("io.helmop").setLevel(Level.WARN);
      root.iteratorForAppenders().forEachRemaining(appender -> {
        if (appender instanceof ConsoleAppender<?> console) {
          console.stop();
          console.setTarget("System.err");
          console.start();
        }
      });
    }
  }
}
