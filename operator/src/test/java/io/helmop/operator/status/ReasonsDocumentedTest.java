package io.helmop.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/api.md's reason tables list exactly the reasons helmop writes (Reasons), so `kubectl describe` is explained. */
class ReasonsDocumentedTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z]+)` \\|", Pattern.MULTILINE);

  @Test
  void theDocsListEveryReasonAndNoOther() throws Exception {
    String api = Files.readString(Path.of("..", "docs", "api.md"));
    String tables = api.substring(api.indexOf("## Condition reasons"));
    Set<String> documented = new TreeSet<>();
    Matcher row = ROW.matcher(tables);
    while (row.find()) {
      documented.add(row.group(1));
    }
    assertThat(documented).isEqualTo(Reasons.all());
  }
}
