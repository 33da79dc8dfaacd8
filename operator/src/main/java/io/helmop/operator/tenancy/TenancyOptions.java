package io.helmop.operator.tenancy;

import java.util.Optional;
import picocli.CommandLine;

/** Flags for whose rights releases use; each falls back to an environment variable. */
public class TenancyOptions {
  private static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$");

  @CommandLine.Option(names = "--default-service-account", paramLabel = "NAME",
      defaultValue = "${env:HELMOP_DEFAULT_SERVICE_ACCOUNT}",
      description = "Lockdown: a HelmRelease without spec.serviceAccountName acts as the ServiceAccount NAME of its "
          + "own namespace, so the operator's own rights are never lent to a release. Unset (the default): such "
          + "releases act with the operator's rights (single-tenant). Env: HELMOP_DEFAULT_SERVICE_ACCOUNT.")
  String defaultServiceAccount;

  public Optional<String> defaultServiceAccount() {
    Optional<String> name = Optional.ofNullable(defaultServiceAccount).map(String::strip).filter(s -> !s.isEmpty());
    name.filter(n -> !NAME.matcher(n).matches()).ifPresent(n -> {
      throw new CommandLine.ParameterException(new CommandLine(new TenancyOptions()), "--default-service-account \""
          + n + "\" is not a ServiceAccount name (lower-case letters, digits, '-' and '.')");
    });
    return name;
  }
}
