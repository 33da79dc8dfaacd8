package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for a chart repository from a Secret's PEM material, like Helm's --ca-file, --cert-file and --key-file:
 * caFile replaces the JVM's trusted CAs, certFile/keyFile identify helmop to a server that asks for a client
 * certificate. Messages name the Secret key at fault, never its content.
 */
final class RepositoryTls {
  private static final Pattern PEM_KEY =
      Pattern.compile("-----BEGIN ([A-Z ]*PRIVATE KEY)-----([^-]+)-----END \\1-----");
  /** AlgorithmIdentifier of rsaEncryption, to wrap a PKCS#1 RSA key into PKCS#8. */
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private RepositoryTls() {}

  /** Key and trust managers from the Secret; null for the JVM's own where the Secret has none. */
  record Managers(KeyManager[] keys, TrustManager[] trust) {}

  /** PEM that cannot be read stalls the release: retrying cannot fix the Secret. */
  static Managers managers(RepositoryCredentials credentials) throws ReconcileFailure {
    try {
      return new Managers(
          credentials.certPem() == null ? null
              : clientKeys(credentials.certPem(), credentials.keyPem()).getKeyManagers(),
          credentials.caPem() == null ? null : trusted(credentials.caPem()).getTrustManagers());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      String problem = e instanceof IllegalArgumentException ? e.getMessage() : "cannot set up TLS: " + e.getMessage();
      throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, "Secret " + credentials.secret()
          + " (spec.chart.secretRef): " + problem + ".");
    }
  }

  static SSLContext sslContext(RepositoryCredentials credentials) throws ReconcileFailure {
    Managers managers = managers(credentials);
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(managers.keys(), managers.trust(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM offers no TLS", e);
    }
  }

  private static TrustManagerFactory trusted(String caPem) throws GeneralSecurityException {
    KeyStore store = emptyStore();
    int i = 0;
    for (Certificate certificate : certificates(caPem, "caFile")) {
      store.setCertificateEntry("ca-" + i++, certificate);
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    return trust;
  }

  private static KeyManagerFactory clientKeys(String certPem, String keyPem) throws GeneralSecurityException {
    KeyStore store = emptyStore();
    store.setKeyEntry("client", privateKey(keyPem), new char[0],
        certificates(certPem, "certFile").toArray(Certificate[]::new));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, new char[0]);
    return keys;
  }

  private static List<? extends Certificate> certificates(String pem, String key) {
    try {
      List<? extends Certificate> certificates = List.copyOf(CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(key + " holds no PEM certificate");
      }
      return certificates;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(key + " is not a PEM certificate bundle", e);
    }
  }

  /** An unencrypted PKCS#8 key (openssl's default) or a PKCS#1 RSA key (cert-manager's default). */
  private static PrivateKey privateKey(String pem) {
    Matcher matcher = PEM_KEY.matcher(pem == null ? "" : pem);
    if (!matcher.find()) {
      throw new IllegalArgumentException("keyFile holds no PEM private key");
    }
    byte[] der = Base64.getMimeDecoder().decode(matcher.group(2));
    byte[] pkcs8 = switch (matcher.group(1)) {
      case "PRIVATE KEY" -> der;
      case "RSA PRIVATE KEY" -> sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tagged(0x04, der));
      default -> throw new IllegalArgumentException("keyFile holds a " + matcher.group(1) + ", which helmop "
          + "cannot read: convert it with `openssl pkcs8 -topk8 -nocrypt`");
    };
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException notThisAlgorithm) {
        // try the next one: PKCS#8 does not say which KeyFactory reads it without parsing the DER
      }
    }
    throw new IllegalArgumentException("keyFile is not an RSA, EC or Ed25519 private key");
  }

  private static KeyStore emptyStore() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return store;
  }

  private static byte[] sequence(byte[]... parts) {
    var content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    return tagged(0x30, content.toByteArray());
  }

  /** A DER element: tag, definite length, content. */
  private static byte[] tagged(int tag, byte[] content) {
    var out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
