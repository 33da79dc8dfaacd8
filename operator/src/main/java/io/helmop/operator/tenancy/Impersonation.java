package io.helmop.operator.tenancy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.helmop.api.v1alpha1.HelmRelease;
import io.helmop.operator.config.HelmKubeconfig;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Whose rights a release's API requests use. A HelmRelease acts as its ServiceAccount ({@code
 * spec.serviceAccountName}, else the operator's {@code --default-service-account}); without either, as the
 * operator itself (single-tenant mode).
 *
 * <p>The identity is bound to the reconcile thread for the length of one reconcile ({@link #actFor}): JOSDK never
 * runs two reconciles of one HelmRelease at once, and every step of a reconcile runs on its thread. The clients
 * the release steps hold ({@link #releaseClient()}) and the kubeconfig Helm gets ({@link #kubeconfig()}) follow
 * that binding, so the steps need no identity parameter of their own. Informers the operator runs for itself stay
 * on the operator's client.
 */
public final class Impersonation implements AutoCloseable {
  /** More ServiceAccounts than this in use at once only costs rebuilding a (cheap, shared) client view. */
  private static final int CACHED_CLIENTS = 256;

  private final KubernetesClient operatorClient;
  private final ServiceAccountKubeconfigs kubeconfigs;
  private final Optional<String> defaultServiceAccount;
  private final ThreadLocal<ServiceAccount> acting = new ThreadLocal<>();
  private final Map<ServiceAccount, KubernetesClient> clients = Collections.synchronizedMap(
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ServiceAccount, KubernetesClient> eldest) {
          return size() > CACHED_CLIENTS;
        }
      });

  /**
   * @param defaultServiceAccount the ServiceAccount (in each HelmRelease's own namespace) of releases that name
   *     none; empty: those act with the operator's own rights
   */
  public Impersonation(KubernetesClient operatorClient, ServiceAccountKubeconfigs kubeconfigs,
      Optional<String> defaultServiceAccount) {
    this.operatorClient = operatorClient;
    this.kubeconfigs = kubeconfigs;
    this.defaultServiceAccount = defaultServiceAccount.filter(name -> !name.isBlank());
  }

  /** Single-tenant: every release acts with the operator's rights (unit tests, and the default install). */
  public static Impersonation none(KubernetesClient operatorClient, HelmKubeconfig kubeconfig) {
    return new Impersonation(operatorClient, ServiceAccountKubeconfigs.none(kubeconfig), Optional.empty());
  }

  /** For a reconciler whose steps were given their clients directly (unit tests): binds nothing. */
  public static Impersonation off() {
    return none(null, null);
  }

  /** In lockdown no release may ever act with the operator's own rights. */
  public boolean lockdown() {
    return defaultServiceAccount.isPresent();
  }

  /** The ServiceAccount the release acts as, if any. */
  public Optional<ServiceAccount> serviceAccountOf(HelmRelease release) {
    String named = release.getSpec() == null ? null : release.getSpec().getServiceAccountName();
    return Optional.ofNullable(named).filter(name -> !name.isBlank()).or(() -> defaultServiceAccount)
        .map(name -> new ServiceAccount(release.getMetadata().getNamespace(), name));
  }

  /** Binds the release's identity to this thread until the returned scope is closed. */
  public Scope actFor(HelmRelease release) {
    ServiceAccount previous = acting.get();
    serviceAccountOf(release).ifPresentOrElse(acting::set, acting::remove);
    return () -> {
      if (previous == null) {
        acting.remove();
      } else {
        acting.set(previous);
      }
    };
  }

  /** The ServiceAccount the current reconcile acts as, if any. */
  public Optional<ServiceAccount> current() {
    return Optional.ofNullable(acting.get());
  }

  /**
   * A client whose every call goes out with the identity of the release being reconciled on the calling thread.
   * In lockdown a call outside a reconcile fails rather than borrow the operator's rights.
   */
  public KubernetesClient releaseClient() {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return switch (method.getName()) {
          case "equals" -> proxy == args[0];
          case "hashCode" -> System.identityHashCode(proxy);
          default -> "client acting for the release being reconciled";
        };
      }
      try {
        return method.invoke(currentClient(), args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (KubernetesClient) Proxy.newProxyInstance(KubernetesClient.class.getClassLoader(),
        new Class<?>[] {KubernetesClient.class}, handler);
  }

  /** The kubeconfig Helm runs with for the release being reconciled on this thread. */
  public HelmKubeconfig kubeconfig() {
    ServiceAccount account = acting.get();
    if (account == null) {
      refuseOperatorRights();
      return kubeconfigs.operator();
    }
    return kubeconfigs.forServiceAccount(account);
  }

  private KubernetesClient currentClient() {
    ServiceAccount account = acting.get();
    if (account == null) {
      refuseOperatorRights();
      return operatorClient;
    }
    // a view sharing the operator client's connections, with the impersonation headers on every request
    return clients.computeIfAbsent(account, a -> operatorClient.newClient(
        new RequestConfigBuilder(operatorClient.getConfiguration().getRequestConfig())
        .withImpersonateUsername(a.username()).build()).adapt(KubernetesClient.class));
  }

  private void refuseOperatorRights() {
    if (lockdown()) {
      throw new IllegalStateException("helmop runs with --default-service-account, but a request for a release was "
          + "about to use the operator's own rights (no release identity on this thread); this is a bug in helmop");
    }
  }

  /** Removes the kubeconfig files written for ServiceAccounts (they hold no token, only the impersonated name). */
  @Override
  public void close() {
    clients.clear();
    kubeconfigs.close();
  }

  /** Ends a {@link #actFor} binding. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
