// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import org.watchpost.analytics.internal.rules.RuleParser;

/**
 * One configured rule as entered, not yet checked (the analytics component checks them all
 * together).
 */
public interface RuleSource {

  /** The factory configuration's PID, for ordering and messages. */
  String pid();

  RuleParser.Input input();
}
