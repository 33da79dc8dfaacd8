package io.helmop.operator.source;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.api.v1alpha1.SecretReference;
import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Credentials for a chart repository, from the Secret named by spec.chart.secretRef. {@link #toString()} never
 * shows the password or a key: this object may end up in a log line by accident, its contents must not.
 *
 * <p>For Git over SSH, {@code sshIdentity} is the private key (Secret key {@code identity}), {@code knownHosts}
 * the server's host keys (Secret key {@code known_hosts}) and {@code password} the key's passphrase, the names
 * Flux uses, so one Secret serves both.
 */
public record RepositoryCredentials(String secret, String username, String password, String caPem,
    String certPem, String keyPem, String sshIdentity, String knownHosts) {
  public static final RepositoryCredentials NONE = new RepositoryCredentials(null, null, null, null, null, null);

  /** Basic auth and TLS material, no SSH key. */
  public RepositoryCredentials(String secret, String username, String password, String caPem, String certPem,
      String keyPem) {
    this(secret, username, password, caPem, certPem, keyPem, null, null);
  }

  public boolean hasBasicAuth() {
    return username != null && password != null;
  }

  /** A private CA or a client certificate: the repository is spoken to over TLS with this material. */
  public boolean hasTlsMaterial() {
    return caPem != null || certPem != null;
  }

  @Override
  public String toString() {
    return secret == null ? "no credentials" : "credentials from Secret " + secret;
  }

  /** Reads the Secret named by spec.chart.secretRef, in the HelmRelease's own namespace. */
  public static RepositoryCredentials load(KubernetesClient client, HelmRelease release) throws ReconcileFailure {
    SecretReference ref = release.getSpec().getChart().getSecretRef();
    if (ref == null || ref.getName() == null || ref.getName().isBlank()) {
      return NONE;
    }
    String namespace = release.getMetadata().getNamespace();
    String name = namespace + "/" + ref.getName();
    Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    if (secret == null) {
      throw ReconcileFailure.retryable(Reasons.CREDENTIALS_NOT_FOUND, "Secret " + name
          + " named in spec.chart.secretRef does not exist: create it (keys username/password, caFile, "
          + "certFile/keyFile, or identity and known_hosts for Git over SSH). helmop retries with backoff.", null);
    }
    return of(name, secret.getData() == null ? Map.of() : secret.getData());
  }

  /** What must never appear in a message: the password and the private keys. */
  public java.util.List<String> secrets() {
    return java.util.Arrays.asList(password, keyPem, sshIdentity);
  }

  /** The credentials in a Secret's data (base64 values); name is namespace/name, for messages. */
  static RepositoryCredentials of(String name, Map<String, String> data) throws ReconcileFailure {
    String username = decoded(data, "username");
    String password = decoded(data, "password");
    String identity = decoded(data, "identity");
    // with an SSH key, a password alone is the key's passphrase
    if ((username == null) != (password == null) && (identity == null || username != null)) {
      throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, "Secret " + name + " (spec.chart.secretRef) has "
          + (username == null ? "a password but no username" : "a username but no password")
          + ": basic auth needs both keys, username and password.");
    }
    String certPem = decoded(data, "certFile");
    String keyPem = decoded(data, "keyFile");
    if ((certPem == null) != (keyPem == null)) {
      throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, "Secret " + name + " (spec.chart.secretRef) has "
          + (certPem == null ? "a keyFile but no certFile" : "a certFile but no keyFile")
          + ": a client certificate needs both keys, certFile and keyFile (PEM).");
    }
    return new RepositoryCredentials(name, username, password, decoded(data, "caFile"), certPem, keyPem, identity,
        decoded(data, "known_hosts"));
  }

  private static String decoded(Map<String, String> data, String key) {
    String value = data.get(key);
    return value == null ? null : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }
}
