package io.helmop.operator.source;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/**
 * The files a user makes with ssh-keygen and ssh-keyscan for a Secret, made in Java so the tests need no OpenSSH
 * client: key pairs, private keys in OpenSSH's format (encrypted as ssh-keygen does: bcrypt KDF, AES-256-CTR),
 * and known_hosts lines, plain or with the host name hashed (ssh-keygen -H).
 */
final class GitSshKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private GitSshKeys() {
  }

  static KeyPair ed25519() throws GeneralSecurityException {
    return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
  }

  /** ssh-keygen -t rsa: 3072 bits. */
  static KeyPair rsa() throws GeneralSecurityException {
    return KeyUtils.generateKeyPair(KeyPairProvider.SSH_RSA, 3072);
  }

  /** The private key as ssh-keygen writes it, encrypted with the passphrase unless it is null. */
  static String openSshPrivateKey(KeyPair pair, String comment, String passphrase) throws Exception {
    OpenSSHKeyEncryptionContext encryption = null;
    if (passphrase != null) {
      encryption = new OpenSSHKeyEncryptionContext();
      encryption.setCipherName("AES");
      encryption.setCipherType("256");
      encryption.setCipherMode("CTR");
      encryption.setPassword(passphrase);
    }
    var out = new ByteArrayOutputStream();
    OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, encryption, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** KEYTYPE BASE64KEY, as in a .pub file without its comment. */
  static String publicKey(PublicKey key) {
    return PublicKeyEntry.toString(key);
  }

  /** A known_hosts line as ssh-keyscan -p PORT prints it for a server off port 22: [host]:port KEYTYPE BASE64KEY. */
  static String knownHostsLine(String host, int port, PublicKey hostKey) {
    return hostPattern(host, port) + " " + publicKey(hostKey) + "\n";
  }

  /**
   * The same line with the host name hashed as ssh-keygen -H writes it: |1|base64(salt)|base64(HMAC-SHA1 of the
   * host pattern keyed with the salt).
   */
  static String hashedKnownHostsLine(String host, int port, PublicKey hostKey) throws GeneralSecurityException {
    byte[] salt = new byte[20];
    RANDOM.nextBytes(salt);
    Mac hmac = Mac.getInstance("HmacSHA1");
    hmac.init(new SecretKeySpec(salt, "HmacSHA1"));
    byte[] hash = hmac.doFinal(hostPattern(host, port).getBytes(StandardCharsets.UTF_8));
    Base64.Encoder base64 = Base64.getEncoder();
    return "|1|" + base64.encodeToString(salt) + "|" + base64.encodeToString(hash) + " " + publicKey(hostKey)
        + "\n";
  }

  private static String hostPattern(String host, int port) {
    return port == 22 ? host : "[" + host + "]:" + port;
  }
}
