package io.helmop.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which keys hold a credential and which only say where one is. */
class SecretLiteralsTest {
  @Test
  void keysNamingACredential() {
    for (String key : List.of("password", "dbPassword", "passwd", "secret", "clientSecret", "token", "authToken",
        "apiKey", "api_key", "API-KEY", "privateKey", "credentials", "secretKey")) {
      assertThat(SecretLiterals.namesCredential(key)).as(key).isTrue();
    }
  }

  @Test
  void keysReferringToACredentialKeptElsewhere() {
    for (String key : List.of("existingSecret", "existingPasswordSecret", "passwordKey", "usernameKey", "tokenKey",
        "secretName", "secretRef", "passwordFile", "tokenPath", "secretKeyRef", "host", "username", "name",
        "tokenEnabled", "secretAnnotations")) {
      assertThat(SecretLiterals.namesCredential(key)).as(key).isFalse();
    }
  }

  @Test
  void literalsAreNonEmptyStringsNotPlaceholdersNotNumbersOrBooleans() {
    Map<String, Object> values = Map.of(
        "auth", Map.of("password", "hunter2", "token", "", "apiKey", "${API_KEY}", "secret", "{{ .Values.x }}"),
        "sidecars", List.of(Map.of("token", "t0ken"), Map.of("tokenTTL", 3600)),
        "generateSecret", true);
    assertThat(SecretLiterals.paths(values)).containsExactlyInAnyOrder("auth.password", "sidecars[0].token");
  }
}
