package io.helmop.operator.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Finds literal credentials in values: a non-empty string under a key that names one (password, passwd,
 * secret, token, apiKey, privateKey, credentials). Keys that refer to a credential kept elsewhere are fine:
 * existingSecret, passwordKey (the key inside a Secret), secretName, tokenRef, passwordFile, ... So are
 * placeholders for something else to fill in (${DB_PASSWORD}, {{ .Values.x }}).
 */
final class SecretLiterals {
  private static final List<String> CREDENTIAL_WORDS =
      List.of("password", "passwd", "secret", "token", "apikey", "privatekey", "credential");
  /** Endings of keys that name where a credential is, not the credential. */
  private static final List<String> REFERENCE_ENDINGS =
      List.of("name", "ref", "path", "file", "enabled", "annotations", "labels");
  /** passwordKey, tokenKey, usernameKey: the key inside a Secret. */
  private static final List<String> KEY_OF_A_SECRET =
      List.of("passwordkey", "passwdkey", "tokenkey", "usernamekey", "userkey", "credentialskey", "apikeykey");

  private SecretLiterals() {}

  /** Calls {@code found} with the key path (a.b[0].c) and the literal of every credential in {@code values}. */
  static void find(Map<String, Object> values, BiConsumer<String, String> found) {
    walk("", values, found);
  }

  static List<String> paths(Map<String, Object> values) {
    List<String> paths = new ArrayList<>();
    find(values, (path, literal) -> paths.add(path));
    return paths;
  }

  @SuppressWarnings("unchecked")
  private static void walk(String path, Object node, BiConsumer<String, String> found) {
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> {
        String child = path.isEmpty() ? String.valueOf(key) : path + "." + key;
        if (value instanceof String literal && namesCredential(String.valueOf(key)) && isLiteral(literal)) {
          found.accept(child, literal);
        } else {
          walk(child, value, found);
        }
      });
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(path + "[" + i + "]", list.get(i), found);
      }
    }
  }

  static boolean namesCredential(String key) {
    String normalized = key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    if (normalized.startsWith("existing") || KEY_OF_A_SECRET.contains(normalized)
        || REFERENCE_ENDINGS.stream().anyMatch(normalized::endsWith)) {
      return false;
    }
    return CREDENTIAL_WORDS.stream().anyMatch(normalized::contains);
  }

  private static boolean isLiteral(String value) {
    String v = value.strip();
    return !v.isEmpty() && !v.startsWith("${") && !v.startsWith("{{");
  }
}
