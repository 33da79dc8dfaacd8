package io.helmop.operator.source;

import io.helmop.operator.ReconcileFailure;
import io.helmop.operator.status.Reasons;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a chart source URL may be. Credentials go in the Secret named by spec.chart.secretRef, never in the URL,
 * where every message naming the URL would show them. Git URLs reach the network only: a file:// URL or a local
 * path would let a release read any repository on the operator's disk, other tenants' mirrors included.
 */
public final class SourceUrls {
  /**
   * [user@]host:path, as git and JGit read it: a host of two characters or more (C:\\repo is a Windows path),
   * no scheme, and not a remote helper (ext::command).
   */
  private static final Pattern SCP_LIKE = Pattern.compile("^(?:([^@/]+)@)?[A-Za-z0-9][A-Za-z0-9.-]+:(?!//)(?!:).+$");
  private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@");

  private SourceUrls() {}

  /** Refuses user info in spec.chart.repository (any scheme). */
  public static void checkRepository(String url) throws ReconcileFailure {
    if (hasUserInfo(url)) {
      throw credentialsInUrl("spec.chart.repository", url);
    }
  }

  /** Refuses a Git URL that is not https, http, ssh, scp-like or git://, and passwords in any of them. */
  public static void checkGit(String url) throws ReconcileFailure {
    String field = "spec.chart.git.url";
    String trimmed = url == null ? "" : url.strip();
    String lower = trimmed.toLowerCase(Locale.ROOT);
    boolean ssh = lower.startsWith("ssh://");
    var scp = SCP_LIKE.matcher(trimmed);
    boolean scpLike = !lower.contains("://") && scp.matches();
    boolean network = ssh || scpLike || lower.startsWith("https://") || lower.startsWith("http://")
        || lower.startsWith("git://");
    if (!network) {
      throw ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + " \"" + redact(trimmed) + "\" is not a network "
          + "Git URL: use https://, http://, ssh://, git:// or user@host:path. file:// URLs and local paths are "
          + "refused (they would read the operator's own disk).");
    }
    // ssh:// and scp-like URLs may name a user (git@), never a password
    boolean password = scpLike ? scp.group(1) != null && scp.group(1).contains(":")
        : hasUserInfo(trimmed) && (!ssh || userInfo(trimmed).contains(":"));
    if (password) {
      throw credentialsInUrl(field, trimmed);
    }
  }

  /** The URL with any user info replaced by ***, for messages. */
  public static String redact(String url) {
    if (url == null) {
      return "";
    }
    var withScheme = USER_INFO.matcher(url);
    if (withScheme.find()) {
      return withScheme.replaceFirst("$1***@");
    }
    int slash = url.indexOf('/');
    int at = url.lastIndexOf('@', slash < 0 ? url.length() : slash);
    return at < 0 || url.contains("://") ? url : "***" + url.substring(at);
  }

  /** The URI without user info, for messages. */
  public static String redact(URI uri) {
    if (uri.getRawUserInfo() == null) {
      return uri.toString();
    }
    try {
      return new URI(uri.getScheme(), "***", uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
    } catch (URISyntaxException e) {
      return redact(uri.toString());
    }
  }

  private static boolean hasUserInfo(String url) {
    return url != null && USER_INFO.matcher(url.strip()).find();
  }

  private static String userInfo(String url) {
    var m = USER_INFO.matcher(url);
    if (!m.find()) {
      return "";
    }
    String matched = m.group();
    return matched.substring(m.group(1).length(), matched.length() - 1);
  }

  private static ReconcileFailure credentialsInUrl(String field, String url) {
    return ReconcileFailure.stalled(Reasons.INVALID_SPEC, field + " \"" + redact(url) + "\" carries credentials "
        + "(user info before the host): remove them from the URL and put them in a Secret (keys username and "
        + "password) named by spec.chart.secretRef.");
  }
}
