package io.helmop.e2e.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The namespaces each test class made, so that each class deletes its own when it ends: test classes run
 * concurrently, and {@link LocalCluster#deleteTestNamespaces} would delete the other classes' namespaces too.
 */
public final class TestNamespaces {
  private static final String TEST_PACKAGE = "io.helmop.e2e";
  private static final Map<Class<?>, List<String>> BY_CLASS = new ConcurrentHashMap<>();

  private TestNamespaces() {}

  /** A fresh namespace, deleted with the others of the test class that asks for it. */
  public static String create(LocalCluster cluster, String prefix) {
    String namespace = cluster.createNamespace(prefix);
    BY_CLASS.computeIfAbsent(testClass(), c -> new CopyOnWriteArrayList<>()).add(namespace);
    return namespace;
  }

  /**
   * Deletes the HelmReleases of the test class's namespaces, then the namespaces. Call it while an operator
   * still runs, so the releases get uninstalled (and nothing piles up in the cluster, which outlives the run).
   */
  public static void deleteAll(LocalCluster cluster, Class<?> testClass) {
    List<String> namespaces = BY_CLASS.remove(testClass);
    if (namespaces == null) {
      return;
    }
    // all at once: a foundation waits for dependents that may live in another of the class's namespaces
    for (String ns : namespaces) {
      cluster.kubectl("delete", "helmreleases", "--all", "-n", ns, "--wait=false");
    }
    for (String ns : namespaces) {
      cluster.kubectl("wait", "--for=delete", "helmreleases", "--all", "-n", ns, "--timeout=120s");
      cluster.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  /** Deletes the calling test class's namespaces: for a class that cleans up in its test method. */
  public static void deleteAll(LocalCluster cluster) {
    deleteAll(cluster, testClass());
  }

  /** The test class (of package io.helmop.e2e) whose code, or a lambda or inner class of it, called. */
  static Class<?> testClass() {
    return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
            .map(StackWalker.StackFrame::getDeclaringClass)
            .filter(c -> c.getPackageName().equals(TEST_PACKAGE))
            .map(Class::getNestHost)
            .findFirst())
        .orElseThrow(() -> new IllegalStateException("not called from a test class of " + TEST_PACKAGE));
  }
}
