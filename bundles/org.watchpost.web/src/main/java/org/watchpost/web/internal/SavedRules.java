// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules saved or deleted on the page, kept by the page itself ({@code rules.json} in its state
 * directory): the standalone runtime rebuilds Config Admin from the seed file at every start, so
 * without this an installer's zones would be gone after a power cut. Applied again when the page
 * starts and whenever someone else (the seed file) changes one of these rules to something else:
 * what the installer saved last wins. Inside Kura, whose configuration snapshots persist Config
 * Admin, applying them again changes nothing.
 */
final class SavedRules {
  private static final Logger LOG = LoggerFactory.getLogger(SavedRules.class);
  static final int MAX_RULES = 256;
  private final Path file;
  private final Gson gson = new GsonBuilder().setPrettyPrinting().create();

  /** Rule name to its properties, or null when the installer deleted it. */
  private final Map<String, JsonObject> rules = new LinkedHashMap<>();

  SavedRules(Path file) {
    this.file = file;
    if (Files.exists(file)) {
      try {
        JsonObject all =
            JsonParser.parseString(new String(OwnerOnlyFiles.read(file), StandardCharsets.UTF_8))
                .getAsJsonObject();
        for (String name : all.keySet()) {
          JsonElement e = all.get(name);
          if (rules.size() < MAX_RULES) {
            rules.put(name, e.isJsonObject() ? e.getAsJsonObject() : null);
          }
        }
      } catch (IOException | RuntimeException e) {
        LOG.error(
            "web: the rules saved on the page ({}) cannot be read ({}); they are not applied",
            file,
            e.toString());
      }
    }
  }

  synchronized boolean has(String name) {
    return rules.containsKey(name);
  }

  synchronized void saved(String name, Hashtable<String, Object> properties) throws IOException {
    if (!rules.containsKey(name) && rules.size() >= MAX_RULES) {
      throw new IOException("at most " + MAX_RULES + " rules are kept");
    }
    rules.put(name, gson.toJsonTree(properties).getAsJsonObject());
    write();
  }

  synchronized void deleted(String name) throws IOException {
    rules.put(name, null);
    write();
  }

  /**
   * Makes Config Admin hold what the installer saved; returns how many configurations were changed.
   */
  synchronized int apply(ConfigurationAdmin admin, String factoryPid) {
    int changed = 0;
    for (Map.Entry<String, JsonObject> rule : rules.entrySet()) {
      try {
        Configuration[] found =
            admin.listConfigurations("(service.pid=" + factoryPid + "~" + rule.getKey() + ")");
        if (rule.getValue() == null) {
          if (found != null) {
            found[0].delete();
            changed++;
          }
          continue;
        }
        Hashtable<String, Object> wanted = properties(rule.getValue());
        if (found == null || !same(found[0].getProperties(), wanted)) {
          admin.getFactoryConfiguration(factoryPid, rule.getKey(), "?").update(wanted);
          changed++;
        }
      } catch (IOException | InvalidSyntaxException | RuntimeException e) {
        LOG.error("web: the saved rule {} could not be applied: {}", rule.getKey(), e.toString());
      }
    }
    return changed;
  }

  static boolean same(Dictionary<String, Object> current, Hashtable<String, Object> wanted) {
    if (current == null) {
      return false;
    }
    for (String key : RuleProperties.NAMES) {
      Object a = current.get(key);
      Object b = wanted.get(key);
      String sa = a instanceof String[] x ? String.join(",", x) : String.valueOf(a);
      String sb = b instanceof String[] y ? String.join(",", y) : String.valueOf(b);
      if (!sa.equals(sb)) {
        return false;
      }
    }
    return true;
  }

  private static Hashtable<String, Object> properties(JsonObject saved) {
    JsonObject body = new JsonObject();
    body.add("properties", saved);
    return RuleProperties.from(body);
  }

  private void write() throws IOException {
    JsonObject all = new JsonObject();
    rules.forEach((name, p) -> all.add(name, p == null ? com.google.gson.JsonNull.INSTANCE : p));
    OwnerOnlyFiles.write(file, gson.toJson(all).getBytes(StandardCharsets.UTF_8));
  }
}
