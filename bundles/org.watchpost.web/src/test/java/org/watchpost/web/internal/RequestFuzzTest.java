// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.Hashtable;

/**
 * What a browser on the LAN sends: a rule body (parsed into known rule properties only) and the
 * credential file's line. Any input gives properties of the documented names and types, or a
 * BadRequest / IOException; anything else is a finding. Bounded in time in the normal build.
 */
class RequestFuzzTest {

  /** One fuzz test per JVM: Jazzer's fuzzing mode runs only the first. */
  @FuzzTest(maxDuration = "5s")
  void anyRuleBodyBecomesKnownPropertiesOrACleanRefusal(
      @NotNull String body, @NotNull String credential) {
    try {
      JsonElement element = JsonParser.parseString(body);
      if (element != null && element.isJsonObject()) {
        Hashtable<String, Object> properties = RuleProperties.from(element.getAsJsonObject());
        for (var entry : properties.entrySet()) {
          if (!RuleProperties.NAMES.contains(entry.getKey())) {
            throw new AssertionError("an unknown property was let through: " + entry.getKey());
          }
          Object v = entry.getValue();
          if (!(v instanceof String
              || v instanceof String[]
              || v instanceof Double
              || v instanceof Integer)) {
            throw new AssertionError("a value of another type was let through: " + v.getClass());
          }
          if (v instanceof String s && s.length() > RuleProperties.MAX_TEXT) {
            throw new AssertionError("an unbounded text was let through");
          }
        }
      }
    } catch (com.google.gson.JsonParseException | PageServlet.BadRequest e) {
      // refused cleanly
    }
    try {
      Credential.parse(credential, Path.of("var/web/credential"));
    } catch (java.io.IOException e) {
      // refused cleanly
    }
  }
}
