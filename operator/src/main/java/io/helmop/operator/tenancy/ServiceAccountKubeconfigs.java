package io.helmop.operator.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.helmop.operator.config.HelmKubeconfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kubeconfig files for Helm (client-go inside helm-java) that impersonate a ServiceAccount: the operator's own
 * kubeconfig with {@code as: system:serviceaccount:<namespace>:<name>} on its current user, which client-go sends
 * as Impersonate-User on every request, Helm's {@code lookup} included. One file per ServiceAccount, written
 * once, readable by the operator's user only (it refers to the operator's credentials, never copies a token
 * that is not already in the operator's own kubeconfig).
 */
public class ServiceAccountKubeconfigs implements AutoCloseable {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Kubeconfig fields holding a path that client-go reads relative to the kubeconfig's own directory. */
  private static final List<String> PATH_FIELDS =
      List.of("certificate-authority", "client-certificate", "client-key", "tokenFile");

  private final HelmKubeconfig operator;
  private final Path dir;
  private final Map<ServiceAccount, HelmKubeconfig> written = new ConcurrentHashMap<>();

  /** @param dir where the files go (the operator's work directory, not shared with other users) */
  public ServiceAccountKubeconfigs(HelmKubeconfig operator, Path dir) {
    this.operator = operator;
    this.dir = dir;
  }

  /** No ServiceAccounts are ever impersonated. */
  public static ServiceAccountKubeconfigs none(HelmKubeconfig operator) {
    return new ServiceAccountKubeconfigs(operator, null);
  }

  public HelmKubeconfig operator() {
    return operator;
  }

  public HelmKubeconfig forServiceAccount(ServiceAccount account) {
    if (dir == null) {
      throw new IllegalStateException("no directory for impersonating kubeconfigs");
    }
    return written.computeIfAbsent(account, this::write);
  }

  private HelmKubeconfig write(ServiceAccount account) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(account.namespace() + "." + account.name() + ".kubeconfig");
      Path temporary = Files.createTempFile(dir, "kubeconfig-", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(temporary, impersonating(account));
      Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return HelmKubeconfig.fromFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write the kubeconfig impersonating " + account + " in " + dir, e);
    }
  }

  /** The operator's kubeconfig, its current user impersonating the ServiceAccount. */
  String impersonating(ServiceAccount account) throws IOException {
    String source = operator.file() != null ? Files.readString(operator.file()) : operator.contents();
    Path base = operator.file() != null ? operator.file().toAbsolutePath().getParent() : null;
    JsonNode config = YAML.readTree(source);
    String context = config.path("current-context").asText();
    String user = null;
    for (JsonNode entry : config.path("contexts")) {
      if (context.equals(entry.path("name").asText())) {
        user = entry.path("context").path("user").asText();
      }
    }
    if (user == null) {
      throw new IOException("the operator's kubeconfig " + operator + " has no context named '" + context + "'");
    }
    for (JsonNode entry : config.path("users")) {
      if (user.equals(entry.path("name").asText())) {
        ObjectNode credentials = entry.has("user") ? (ObjectNode) entry.get("user") : ((ObjectNode) entry)
            .putObject("user");
        credentials.remove(List.of("as-groups", "as-uid", "as-user-extra"));
        credentials.put("as", account.username());
      }
    }
    if (base != null) { // the copy lives elsewhere: relative paths must still reach the operator's files
      for (String section : List.of("clusters", "users")) {
        for (JsonNode entry : config.path(section)) {
          JsonNode inner = entry.path(section.equals("clusters") ? "cluster" : "user");
          if (inner instanceof ObjectNode fields) {
            for (String field : PATH_FIELDS) {
              String value = fields.path(field).asText("");
              if (!value.isEmpty() && !Path.of(value).isAbsolute()) {
                fields.put(field, base.resolve(value).toString());
              }
            }
          }
        }
      }
    }
    return YAML.writeValueAsString(config);
  }

  /** Removes the files: a new operator process writes its own. */
  @Override
  public void close() {
    written.values().forEach(kubeconfig -> {
      try {
        Files.deleteIfExists(kubeconfig.file());
      } catch (IOException ignored) {
        // the work directory is the operator's own
      }
    });
    written.clear();
  }
}
