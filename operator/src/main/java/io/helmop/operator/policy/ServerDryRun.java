package io.helmop.operator.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.helmop.operator.drift.KindCatalog;
import io.helmop.operator.release.ReleaseRequest;
import io.helmop.operator.release.RenderedObject;
import io.helmop.operator.release.RenderedRelease;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server-side dry run of every rendered object (validation, defaulting, admission webhooks and policies),
 * nothing stored. Manifest objects go as a server-side apply, so an upgrade is checked against the live object;
 * hooks go as a create under a generated name, since Helm deletes and recreates them. An object of a kind the
 * server does not serve is reported as a missing CRD, unless the chart itself installs that CRD (from crds/ or
 * as a template); those objects cannot be checked before the CRD exists.
 */
public class ServerDryRun implements DryRun {
  private static final Logger LOG = LoggerFactory.getLogger(ServerDryRun.class);
  static final String FIELD_MANAGER = "helmop-preflight";

  private final KubernetesClient client;
  private final KindCatalog kinds;

  public ServerDryRun(KubernetesClient client, KindCatalog kinds) {
    this.client = client;
    this.kinds = kinds;
  }

  @Override
  public List<String> check(RenderedRelease rendered, ReleaseRequest request) {
    Set<String> chartKinds = chartKinds(rendered);
    Set<String> chartNamespaces = new HashSet<>();
    rendered.objects().stream().filter(o -> "Namespace".equals(o.kind()) && !o.hook())
        .forEach(o -> chartNamespaces.add(o.name()));
    Map<String, Boolean> namespaces = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (RenderedObject object : rendered.objects()) {
      if (request.replaceCrds() && chartKinds.contains(groupKind(object.apiVersion(), object.kind()))) {
        continue; // its CRD is replaced by the chart's before Helm runs: the installed one cannot judge it
      }
      Optional<ResourceDefinitionContext> resource = kinds.resolve(object.apiVersion(), object.kind());
      if (resource.isEmpty()) {
        if (!chartKinds.contains(groupKind(object.apiVersion(), object.kind()))) {
          problems.add(object.describe() + ": the cluster does not serve " + object.kind() + " in "
              + object.apiVersion() + ". Install its CRD first (a release in spec.dependsOn), or fix apiVersion"
              + where(object));
        }
        continue;
      }
      String namespace = resource.get().isNamespaceScoped()
          ? (object.namespace() == null ? request.namespace() : object.namespace()) : null;
      if (namespace != null && !namespaces.computeIfAbsent(namespace, this::exists)) {
        if (!request.createNamespace() && !chartNamespaces.contains(namespace)) {
          problems.add(object.describe() + ": namespace " + namespace + " does not exist. Create it, or set "
              + "spec.install.createNamespace");
        }
        continue; // nothing in a namespace still to be created can be checked yet
      }
      try {
        send(resource.get(), namespace, object);
      } catch (KubernetesClientException e) {
        problems.add(object.describe() + ": " + serverMessage(e) + where(object));
      }
    }
    return problems;
  }

  private void send(ResourceDefinitionContext resource, String namespace, RenderedObject object) {
    ObjectNode body = object.body().deepCopy();
    var all = client.genericKubernetesResources(resource);
    if (object.hook() || object.name().isEmpty()) {
      ObjectNode metadata = body.with("metadata");
      String name = object.name().isEmpty() ? metadata.path("generateName").asText("helmop-") : object.name();
      metadata.remove("name");
      metadata.put("generateName", name.endsWith("-") ? name : name + "-");
      GenericKubernetesResource generic = asResource(body);
      (namespace == null ? all.resource(generic) : all.inNamespace(namespace).resource(generic)).dryRun().create();
    } else {
      GenericKubernetesResource generic = asResource(body);
      (namespace == null ? all.resource(generic) : all.inNamespace(namespace).resource(generic)).dryRun()
          .fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }
  }

  private GenericKubernetesResource asResource(ObjectNode body) {
    return client.getKubernetesSerialization().convertValue(body, GenericKubernetesResource.class);
  }

  private boolean exists(String namespace) {
    try {
      return client.namespaces().withName(namespace).get() != null;
    } catch (KubernetesClientException e) {
      LOG.debug("Could not read namespace {}: {}", namespace, e.getMessage());
      return true; // let the dry run itself say what is wrong
    }
  }

  /** group/kind of every CRD the chart installs, from crds/ and from its templates. */
  private static Set<String> chartKinds(RenderedRelease rendered) {
    Set<String> kinds = new HashSet<>();
    List<ObjectNode> crds = new ArrayList<>(rendered.chartCrds());
    rendered.objects().stream().filter(o -> "CustomResourceDefinition".equals(o.kind()))
        .forEach(o -> crds.add(o.body()));
    for (ObjectNode crd : crds) {
      kinds.add(crd.path("spec").path("group").asText() + "/" + crd.path("spec").path("names").path("kind").asText());
    }
    return kinds;
  }

  private static String groupKind(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    return (slash < 0 ? "" : apiVersion.substring(0, slash)) + "/" + kind;
  }

  private static String where(RenderedObject object) {
    return object.template() == null ? "" : " (" + object.template() + ")";
  }

  private static String serverMessage(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null && !e.getStatus().getMessage().isBlank()) {
      return e.getStatus().getMessage().strip();
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
