package io.helmop.operator.tenancy;

/** A ServiceAccount a release acts as; the API server adds its groups when its user name is impersonated. */
public record ServiceAccount(String namespace, String name) {
  public String username() {
    return "system:serviceaccount:" + namespace + ":" + name;
  }

  @Override
  public String toString() {
    return "ServiceAccount " + namespace + "/" + name;
  }
}
