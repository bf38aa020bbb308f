// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

/** A rule configuration that cannot be used; the message names the rule and the reason. */
public final class InvalidRuleException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String ruleId;
  private final String reason;

  public InvalidRuleException(String ruleId, String reason) {
    super("rule '" + ruleId + "' rejected: " + reason);
    this.ruleId = ruleId;
    this.reason = reason;
  }

  public String ruleId() {
    return ruleId;
  }

  public String reason() {
    return reason;
  }
}
