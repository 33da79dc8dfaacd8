package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One HTTP client per set of TLS material (CA, client certificate) and redirect policy, shared by the
 * repository clients so connections are reused across releases. Keyed by a digest, so no key stays in a map key.
 */
final class HttpClients {
  private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
  private final SourceLimits limits;

  HttpClients(SourceLimits limits) {
    this.limits = limits;
  }

  HttpClient forTls(RepositoryCredentials credentials, HttpClient.Redirect redirect) throws ReconcileFailure {
    String key = redirect + ":" + digest(credentials.caPem(), credentials.certPem(), credentials.keyPem());
    HttpClient client = clients.get(key);
    if (client != null) {
      return client;
    }
    HttpClient.Builder builder = HttpClient.newBuilder()
        .connectTimeout(limits.connectTimeout())
        .followRedirects(redirect);
    if (credentials.hasTlsMaterial()) {
      builder.sslContext(RepositoryTls.sslContext(credentials));
    }
    return clients.computeIfAbsent(key, k -> builder.build());
  }

  private static String digest(String... parts) {
    MessageDigest sha256 = ChartCache.sha256();
    for (String part : parts) {
      sha256.update((part == null ? "-" : "+" + part).getBytes(StandardCharsets.UTF_8));
      sha256.update((byte) 0);
    }
    return HexFormat.of().formatHex(sha256.digest());
  }
}
