package io.helmop.operator.config;

import java.net.InetSocketAddress;

/**
 * Where an HTTP endpoint listens: {@code 127.0.0.1:8081}, {@code :8081} (every interface, as in a pod), or
 * {@code off}. Port 0 takes a free port (the operator logs which).
 */
public record ListenAddress(String host, int port) {
  /** The endpoint is not served. */
  public static final ListenAddress OFF = new ListenAddress("", -1);

  public static ListenAddress parse(String flag, String value) {
    String text = value == null ? "" : value.strip();
    if (text.equalsIgnoreCase("off")) {
      return OFF;
    }
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(flag + " \"" + value + "\" is not HOST:PORT (examples: 127.0.0.1:8081, "
          + ":8081 for every interface, off)");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1); // [::1]:8081
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(flag + " \"" + value + "\" has no port from 0 to 65535 (examples: "
          + "127.0.0.1:8081, :8081 for every interface, off)");
    }
    return new ListenAddress(host, port);
  }

  public boolean isOff() {
    return port < 0;
  }

  /** Every interface when the host is empty or {@code 0.0.0.0}. */
  public InetSocketAddress socketAddress() {
    return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    if (isOff()) {
      return "off";
    }
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
