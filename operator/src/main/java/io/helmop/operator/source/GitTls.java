package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import java.io.IOException;
import java.net.Proxy;
import java.net.URL;
import java.security.GeneralSecurityException;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.HttpConnectionFactory;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * Git over HTTPS with the Secret's caFile (a private CA instead of the JVM's) and certFile/keyFile (a client
 * certificate), the same PEM keys Helm repositories and OCI registries take. Set on each transport, so no other
 * release's Git traffic, nor JGit's global connection factory, sees this Secret's material.
 */
final class GitTls implements TransportConfigCallback, HttpConnectionFactory {
  private final HttpConnectionFactory jdk = new JDKHttpConnectionFactory();
  private final RepositoryTls.Managers managers;

  private GitTls(RepositoryTls.Managers managers) {
    this.managers = managers;
  }

  static GitTls of(RepositoryCredentials credentials) throws ReconcileFailure {
    return new GitTls(RepositoryTls.managers(credentials));
  }

  @Override
  public void configure(Transport transport) {
    if (transport instanceof TransportHttp http) {
      http.setHttpConnectionFactory(this);
    }
  }

  @Override
  public HttpConnection create(URL url) throws IOException {
    return withSecretsTls(jdk.create(url), url);
  }

  @Override
  public HttpConnection create(URL url, Proxy proxy) throws IOException {
    return withSecretsTls(jdk.create(url, proxy), url);
  }

  private HttpConnection withSecretsTls(HttpConnection connection, URL url) throws IOException {
    if ("https".equalsIgnoreCase(url.getProtocol())) {
      try {
        connection.configure(managers.keys(), managers.trust(), null);
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot set up TLS for " + url.getHost() + ": " + e.getMessage(), e);
      }
    }
    return connection;
  }
}
