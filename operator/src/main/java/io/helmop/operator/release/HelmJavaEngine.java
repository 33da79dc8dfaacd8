package io.helmop.operator.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import com.marcnuri.helm.TestCommand;
import com.marcnuri.helm.UninstallCommand;
import com.marcnuri.helm.UpgradeCommand;
import io.helmop.operator.config.HelmKubeconfig;
import io.helmop.operator.lifecycle.SignalHandlers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Helm calls through helm-java (Helm's Go library inside the JVM). Nothing here can be interrupted: install and
 * upgrade run in a {@link HelmWorkerServer} process, see {@link HelmProcessEngine}.
 */
public class HelmJavaEngine {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HelmJavaEngine.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Working copies of charts kept for the preflight (one per chart version in use, about its size each). */
  private static final int PREFLIGHT_COPIES = 32;

  /** The kubeconfig of the release being reconciled on the calling thread (it may impersonate its ServiceAccount). */
  private final Supplier<HelmKubeconfig> kubeconfig;
  private final SignalHandlers signals;
  private final Path workDir;
  private final PreflightCharts charts;

  public HelmJavaEngine(HelmKubeconfig kubeconfig, SignalHandlers signals, Path workDir) {
    this(() -> kubeconfig, signals, workDir);
  }

  public HelmJavaEngine(Supplier<HelmKubeconfig> kubeconfig, SignalHandlers signals, Path workDir) {
    this(kubeconfig, signals, workDir, new PreflightCharts(workDir.resolve("preflight"), PREFLIGHT_COPIES));
  }

  /** With working copies shared between engines (a warm worker keeps them across calls). */
  HelmJavaEngine(Supplier<HelmKubeconfig> kubeconfig, SignalHandlers signals, Path workDir, PreflightCharts charts) {
    this.kubeconfig = kubeconfig;
    this.signals = signals;
    this.workDir = workDir;
    this.charts = charts;
  }

  public void install(ReleaseRequest request, String description) {
    LOG.debug("helm call: install {}", request);
    withValuesFile(request, values -> {
      InstallCommand install = installCommand(new Helm(request.chart()).install(), request, values);
      if (description != null) install.withDescription(description);
      kubeconfig.get().apply(install::withKubeConfig, install::withKubeConfigContents);
      return install.call();
    });
  }

  /** Sets helmop's install options on a helm-java command (a method of its own so tests can see them). */
  static InstallCommand installCommand(InstallCommand install, ReleaseRequest request, Path values) {
    install.withName(request.releaseName())
        .withNamespace(request.namespace())
        .withValuesFile(values)
        .withTimeout(timeoutSeconds(request));
    // Helm's atomic mode always waits: asked not to wait, helmop leaves it off (a failure without a wait is an
    // API error, which leaves little to undo)
    if (request.atomic() && request.waitReady()) install.atomic();
    if (request.waitReady()) install.waitReady();
    if (request.createNamespace()) install.createNamespace();
    if (request.skipCrds()) install.skipCrds();
    if (request.options().install().disableOpenApiValidation()) install.disableOpenApiValidation();
    install.debug(); // Helm's log names what a timed-out wait waited for (see HelmFailures)
    return install;
  }

  public void upgrade(ReleaseRequest request, String description) {
    LOG.debug("helm call: upgrade {}", request);
    withValuesFile(request, values -> {
      UpgradeCommand upgrade = upgradeCommand(new Helm(request.chart()).upgrade(), request, values, description);
      kubeconfig.get().apply(upgrade::withKubeConfig, upgrade::withKubeConfigContents);
      return upgrade.call();
    });
  }

  /** Sets helmop's upgrade options on a helm-java command (a method of its own so tests can see them). */
  static UpgradeCommand upgradeCommand(UpgradeCommand upgrade, ReleaseRequest request, Path values,
      String description) {
    upgrade.withName(request.releaseName())
        .withNamespace(request.namespace())
        .withValuesFile(values)
        .withTimeout(timeoutSeconds(request));
    // unless spec.upgrade.preserveValues, the values helmop passes are the whole truth, never merged with the
    // previous revision's
    if (request.options().preserveValues()) {
      upgrade.reuseValues();
    } else {
      upgrade.resetValues();
    }
    if (request.options().force()) upgrade.force();
    if (request.options().upgradeDisableOpenApiValidation()) upgrade.disableOpenApiValidation();
    if (request.atomic() && request.waitReady()) upgrade.atomic(); // see installCommand
    if (request.waitReady()) upgrade.waitReady();
    if (request.cleanupOnFail()) upgrade.cleanupOnFail();
    if (description != null) upgrade.withDescription(description);
    upgrade.debug(); // Helm's log names what a timed-out wait waited for (see HelmFailures)
    return upgrade;
  }

  public void uninstall(String releaseName, String namespace) {
    uninstall(releaseName, namespace, HelmEngine.UninstallOptions.DEFAULT);
  }

  public void uninstall(String releaseName, String namespace, HelmEngine.UninstallOptions options) {
    LOG.debug("helm call: uninstall {}/{} {}", namespace, releaseName, options);
    call(() -> {
      var uninstall = uninstallCommand(Helm.uninstall(releaseName), namespace, options);
      kubeconfig.get().apply(uninstall::withKubeConfig, uninstall::withKubeConfigContents);
      return uninstall.call();
    });
  }

  /** Sets spec.uninstall's options on a helm-java command (a method of its own so tests can see them). */
  static UninstallCommand uninstallCommand(UninstallCommand uninstall, String namespace,
      HelmEngine.UninstallOptions options) {
    uninstall.withNamespace(namespace).ignoreNotFound()
        .withCascade(UninstallCommand.Cascade.valueOf(options.cascade().toUpperCase(java.util.Locale.ROOT)));
    if (options.keepHistory()) uninstall.keepHistory();
    if (options.disableHooks()) uninstall.noHooks();
    return uninstall;
  }

  /**
   * `helm test`: runs the release's test hooks and waits for them, within {@code timeoutSeconds}. Throws
   * {@link HelmException} with Helm's message when a test fails or does not finish in time.
   */
  public void test(String releaseName, String namespace, long timeoutSeconds) {
    LOG.debug("helm call: test {}/{}", namespace, releaseName);
    call(() -> {
      TestCommand test = Helm.test(releaseName).withNamespace(namespace)
          .withTimeout((int) Math.max(1, timeoutSeconds));
      kubeconfig.get().apply(test::withKubeConfig, test::withKubeConfigContents);
      return test.call();
    });
  }

  /** See {@link HelmEngine#render}: the hooks come from a working copy of the chart ({@link PreflightCharts}). */
  public RenderedRelease render(ReleaseRequest request, String kubeVersion) {
    try (PreflightCharts.Lease copy = charts.prepare(request.chart(), mentionsHooks(request.values()))) {
      if (!copy.exposesHooks()) { // no hook text anywhere: the chart itself, as Helm will install it
        return new RenderedRelease(PreflightCharts.parse(template(request, request.chart(), kubeVersion)), true,
            copy.values(), copy.crds());
      }
      try {
        return new RenderedRelease(PreflightCharts.parse(template(request, copy.chart(), kubeVersion)), true,
            copy.values(), copy.crds());
      } catch (HelmException | java.io.UncheckedIOException withHooks) {
        // the chart itself tells why it does not render, in Helm's words about its own templates
        String manifest = template(request, request.chart(), kubeVersion);
        LOG.warn("The hooks of chart {} could not be rendered for the preflight checks ({}); checking the other "
            + "objects only", request.chart().getFileName(), withHooks.getMessage());
        return new RenderedRelease(PreflightCharts.parse(manifest), false, copy.values(), copy.crds());
      }
    } catch (IOException e) {
      throw new HelmException("the chart archive " + request.chart().getFileName() + " cannot be read: "
          + e.getMessage(), e);
    }
  }

  private String template(ReleaseRequest request, Path chart, String kubeVersion) {
    LOG.debug("helm call: template {} ({})", request, chart);
    return withValuesFile(request, values -> {
      TemplateCommand template = new Helm(chart).template()
          .withName(request.releaseName())
          .withNamespace(request.namespace())
          .withValuesFile(values);
      if (kubeVersion != null) {
        template.withKubeVersion(kubeVersion);
      }
      return template.call();
    });
  }

  /** Values that carry hook annotations themselves make every template a possible hook. */
  private static boolean mentionsHooks(Object values) {
    try {
      return JSON.writeValueAsString(values).contains(RenderedObject.HOOK);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return true;
    }
  }

  /** `helm lint` of a copy of the chart whose values.yaml holds the release's values over the chart's own. */
  public HelmEngine.LintReport lint(ReleaseRequest request) {
    LOG.debug("helm call: lint {}", request);
    try (PreflightCharts.Lease copy = charts.prepare(request.chart(), false)) {
      Path chart = charts.withValues(copy, request.values());
      try {
        LintResult result = call(() -> new Helm(chart).lint().call());
        return new HelmEngine.LintReport(result.isFailed(), result.getMessages());
      } finally {
        PreflightCharts.remove(chart);
      }
    } catch (IOException e) {
      throw new HelmException("the chart archive " + request.chart().getFileName() + " cannot be read: "
          + e.getMessage(), e);
    }
  }

  private static int timeoutSeconds(ReleaseRequest request) {
    return (int) Math.max(1, request.timeout().toSeconds());
  }

  /** Writes the values to a file only the operator can read (they may hold secrets) and removes it afterwards. */
  private <T> T withValuesFile(ReleaseRequest request, Function<Path, T> helmCall) {
    Path file = null;
    try {
      Files.createDirectories(workDir);
      file = Files.createTempFile(workDir, "values-", ".yaml",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      YAML.writeValue(file.toFile(), request.values());
    } catch (IOException e) {
      deleteQuietly(file);
      throw new UncheckedIOException("Could not write the values file for Helm in " + workDir, e);
    }
    Path values = file;
    try {
      return call(() -> helmCall.apply(values));
    } finally {
      deleteQuietly(values);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      if (file != null) {
        Files.deleteIfExists(file);
      }
    } catch (IOException ignored) {
      // the work directory is the operator's own and readable only by it
    }
  }

  private <T> T call(java.util.concurrent.Callable<T> helmCall) {
    try {
      return helmCall.call();
    } catch (Exception e) {
      throw new HelmException(e.getMessage() == null ? e.toString() : e.getMessage().strip(), e);
    } finally {
      signals.restore();
    }
  }
}
