// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A rollout as the console holds it; kept in a {@link RolloutStore} so that it can be stopped and
 * resumed.
 */
final class RolloutState {
  String rolloutId;
  String packageFile;
  String packageSha256;
  long packageSize;
  String modelName;
  String modelVersion;
  String transport;
  String url;

  /**
   * Client ids, a glob over client ids ({@code cam-*}), or {@code *} for every device that shows
   * up.
   */
  List<String> targets;

  /** Cumulative share of the target population per stage: canary first, then the waves. */
  List<Double> stages;

  double haltOnFailure;
  int maxAttempts;
  long retryDelayMillis;
  long attemptTimeoutMillis;
  int stage;
  boolean halted;
  String haltReason = "";
  boolean finished;
  Map<String, DeviceRecord> devices = new TreeMap<>();

  boolean targets(String clientId) {
    for (String t : targets) {
      if (t.equals(clientId) || (t.contains("*") && clientId.matches(globToRegex(t)))) {
        return true;
      }
    }
    return false;
  }

  private static String globToRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      regex.append(
          c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
    }
    return regex.toString();
  }
}
