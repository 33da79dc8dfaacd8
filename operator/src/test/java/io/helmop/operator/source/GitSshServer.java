package io.helmop.operator.source;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.git.GitLocationResolver;
import org.apache.sshd.git.pack.GitPackCommandFactory;
import org.apache.sshd.server.SshServer;

/**
 * Git over SSH on 127.0.0.1: Apache MINA sshd runs git-upload-pack (JGit's) for the repositories under a folder,
 * for one client key only, with the given host key, as a Git host serves private repositories.
 */
final class GitSshServer implements AutoCloseable {
  private final SshServer server;

  GitSshServer(Path repositories, KeyPair hostKey, PublicKey authorised) throws IOException {
    server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, authorised));
    server.setCommandFactory(new GitPackCommandFactory()
        .withGitLocationResolver(GitLocationResolver.constantPath(repositories)));
    server.start();
  }

  String url(String repository) {
    return "ssh://git@127.0.0.1:" + port() + "/" + repository;
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
