package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * Git over SSH (ssh:// URLs and scp-like git@host:path) with the private key and host keys of the Secret named by
 * spec.chart.secretRef, through JGit's Apache MINA sshd transport.
 *
 * <p>Nothing of the operator user's ~/.ssh is read: the session factory gets an empty home of its own, no ssh
 * config, no agent, the key in memory, and a host key database that accepts only the Secret's known_hosts lines.
 * An unknown or changed host key is refused, never added. One instance serves one fetch and is closed after it.
 */
final class GitSsh implements TransportConfigCallback, AutoCloseable {
  private static final Set<String> SSH_SCHEMES = Set.of("ssh", "ssh+git", "git+ssh");

  private final SshdSessionFactory sessions;
  private final SecretKnownHosts knownHosts;

  private GitSsh(SshdSessionFactory sessions, SecretKnownHosts knownHosts) {
    this.sessions = sessions;
    this.knownHosts = knownHosts;
  }

  /** ssh://, git+ssh:// or scp-like user@host:path (JGit reads the latter as a URL without scheme, with a host). */
  static boolean isSsh(String url) {
    try {
      URIish uri = new URIish(url);
      return uri.getScheme() == null ? uri.getHost() != null : SSH_SCHEMES.contains(uri.getScheme());
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /**
   * Checks the Secret before any connection: a key and the host keys are both required, so a Secret without
   * known_hosts stalls instead of trusting whichever server answers.
   */
  static GitSsh open(String url, RepositoryCredentials credentials, Path emptyHome) throws ReconcileFailure {
    if (credentials.secret() == null) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, "spec.chart.git.url " + url + " is reached over SSH, which "
          + "needs a key: set spec.chart.secretRef to a Secret with keys identity (the private key) and "
          + "known_hosts (the server's host keys, e.g. from ssh-keyscan).");
    }
    String secret = "Secret " + credentials.secret() + " (spec.chart.secretRef)";
    if (credentials.sshIdentity() == null) {
      throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, secret + " has no key identity, which Git over SSH "
          + "needs for " + url + ": add the private key as identity (and known_hosts).");
    }
    if (credentials.knownHosts() == null || credentials.knownHosts().isBlank()) {
      throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, secret + " has no key known_hosts, so helmop cannot "
          + "check the host key of " + url + " and does not connect: add the server's host keys as known_hosts "
          + "(e.g. the output of `ssh-keyscan HOST`).");
    }
    KeyPair key = privateKey(credentials, secret);
    SecretKnownHosts knownHosts = new SecretKnownHosts(hostKeys(credentials.knownHosts(), secret));
    try {
      Files.createDirectories(emptyHome.resolve(".ssh"));
    } catch (IOException e) {
      throw ReconcileFailure.retryable(Reasons.GIT_UNAVAILABLE, "Cannot create " + emptyHome + " for Git over SSH: "
          + e.getMessage() + ". helmop retries with backoff.", e);
    }
    SshdSessionFactory sessions = new SshdSessionFactoryBuilder()
        .setHomeDirectory(emptyHome.toFile())
        .setSshDirectory(emptyHome.resolve(".ssh").toFile())
        .setConfigStoreFactory((home, configFile, localUser) -> null)
        .setDefaultKeysProvider(sshDirectory -> List.of(key))
        .setServerKeyDatabase((home, sshDirectory) -> knownHosts)
        .setPreferredAuthentications("publickey")
        .setConnectorFactory(null)
        .build(null);
    return new GitSsh(sessions, knownHosts);
  }

  @Override
  public void configure(Transport transport) {
    if (transport instanceof SshTransport ssh) {
      ssh.setSshSessionFactory(sessions);
    }
  }

  /** A host key refused during the last connection, explained; null if none was. */
  ReconcileFailure hostKeyRefusal(String url, RepositoryCredentials credentials, Exception cause) {
    String refusal = knownHosts.refusal;
    return refusal == null ? null : ReconcileFailure.retryable(Reasons.GIT_HOST_KEY_MISMATCH, "Git repository " + url
        + " (spec.chart.git.url): " + refusal + " known_hosts of Secret " + credentials.secret()
        + " (spec.chart.secretRef): check the key with the server's owner, then fix known_hosts. helmop "
        + "retries with backoff.", cause);
  }

  @Override
  public void close() {
    sessions.close();
  }

  /** OpenSSH (ssh-keygen's default) or PEM, encrypted with the Secret's password if it has one. */
  private static KeyPair privateKey(RepositoryCredentials credentials, String secret) throws ReconcileFailure {
    FilePasswordProvider passphrase = credentials.password() == null ? FilePasswordProvider.EMPTY
        : FilePasswordProvider.of(credentials.password());
    try {
      var keys = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName("identity"),
          new ByteArrayInputStream(credentials.sshIdentity().getBytes(StandardCharsets.UTF_8)), passphrase);
      if (keys != null && keys.iterator().hasNext()) {
        return keys.iterator().next();
      }
    } catch (IOException | GeneralSecurityException | RuntimeException unreadable) {
      // explained below without the parser's words, which might quote the key
    }
    throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, secret + ": identity is not a private key helmop can "
        + "read: use an OpenSSH or PEM key (RSA, ECDSA or Ed25519); an encrypted key needs its passphrase as "
        + "password.");
  }

  /** The known_hosts lines with a key; markers (@cert-authority, @revoked) are not supported and skipped. */
  private static Map<KnownHostEntry, PublicKey> hostKeys(String knownHosts, String secret) throws ReconcileFailure {
    try {
      var keys = new LinkedHashMap<KnownHostEntry, PublicKey>();
      for (KnownHostEntry entry : KnownHostEntry.readKnownHostEntries(new StringReader(knownHosts), true)) {
        if (entry.getMarker() == null && entry.getKeyEntry() != null) {
          keys.put(entry, entry.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.FAILING));
        }
      }
      if (!keys.isEmpty()) {
        return keys;
      }
    } catch (IOException | GeneralSecurityException | RuntimeException unreadable) {
      throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, secret + ": known_hosts cannot be read ("
          + unreadable.getMessage() + "): use lines as ssh-keyscan prints them, HOST KEYTYPE BASE64KEY.");
    }
    throw ReconcileFailure.stalled(Reasons.INVALID_CREDENTIALS, secret + ": known_hosts holds no host key line: use "
        + "lines as ssh-keyscan prints them, HOST KEYTYPE BASE64KEY.");
  }

  /** Accepts a server only if a known_hosts line names its host (and port) and holds the key it presents. */
  private static final class SecretKnownHosts implements ServerKeyDatabase {
    private final Map<KnownHostEntry, PublicKey> keys;
    private volatile String refusal;

    SecretKnownHosts(Map<KnownHostEntry, PublicKey> keys) {
      this.keys = keys;
    }

    @Override
    public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
      HostAndPort target = HostAndPort.of(connectAddress);
      List<PublicKey> found = new ArrayList<>();
      keys.forEach((entry, key) -> {
        if (entry.isHostMatch(target.host(), target.port())) {
          found.add(key);
        }
      });
      return found;
    }

    @Override
    public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
        Configuration config, CredentialsProvider provider) {
      List<PublicKey> known = lookup(connectAddress, remoteAddress, config);
      if (known.stream().anyMatch(key -> KeyUtils.compareKeys(key, serverKey))) {
        return true;
      }
      refusal = "the server presented host key " + KeyUtils.getFingerPrint(serverKey) + " for " + connectAddress
          + (known.isEmpty() ? ", and no line names that host in" : ", which is not among the keys for that host in");
      return false;
    }
  }

  /** JGit names the server as known_hosts does: host, or [host]:port off port 22. */
  private record HostAndPort(String host, int port) {
    static HostAndPort of(String pattern) {
      int close = pattern.lastIndexOf("]:");
      if (pattern.startsWith("[") && close > 0) {
        return new HostAndPort(pattern.substring(1, close), Integer.parseInt(pattern.substring(close + 2)));
      }
      return new HostAndPort(pattern, 22);
    }
  }
}
