package io.helmop.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A Helm release that helmop installs, upgrades, keeps in place and uninstalls. */
@Group(HelmRelease.GROUP)
@Version(HelmRelease.VERSION)
@ShortNames("hr")
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "STATUS", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message")
@AdditionalPrinterColumn(name = "REVISION", jsonPath = ".status.lastAppliedRevision", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "CHART", jsonPath = ".status.chart")
@AdditionalPrinterColumn(name = "DRIFT", jsonPath = ".status.conditions[?(@.type==\"Drifted\")].status")
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class HelmRelease extends CustomResource<HelmReleaseSpec, HelmReleaseStatus> implements Namespaced {
  public static final String GROUP = "helmop.io";
  public static final String VERSION = "v1alpha1";

  /** The Helm release name: spec.releaseName, else metadata.name. */
  public String releaseName() {
    String name = getSpec() == null ? null : getSpec().getReleaseName();
    return name == null || name.isBlank() ? getMetadata().getName() : name;
  }

  /** The namespace the release is installed into: spec.targetNamespace, else the HelmRelease's own. */
  public String targetNamespace() {
    String ns = getSpec() == null ? null : getSpec().getTargetNamespace();
    return ns == null || ns.isBlank() ? getMetadata().getNamespace() : ns;
  }
}
