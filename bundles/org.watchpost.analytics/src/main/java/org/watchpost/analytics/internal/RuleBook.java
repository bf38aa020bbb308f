// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.util.List;
import java.util.Map;
import org.watchpost.analytics.internal.rules.Rule;

/**
 * The rules in force and the ones rejected, as one immutable snapshot; a new snapshot replaces it
 * whenever a rule configuration changes.
 *
 * @param rules the valid rules, every camera's
 * @param rejected rule id to the reason it was rejected
 */
public record RuleBook(List<Rule> rules, Map<String, String> rejected) {
  public static final RuleBook EMPTY = new RuleBook(List.of(), Map.of());

  public RuleBook {
    rules = List.copyOf(rules);
    rejected = Map.copyOf(rejected);
  }
}
