// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Checks rule configurations the way the analytics do, so that an editor refuses a bad rule with
 * the same reason the analytics would give, before it is saved. Registered by the analytics bundle.
 */
@ProviderType
public interface RuleChecker {

  /** The factory PID rule configurations are made under. */
  String factoryPid();

  /**
   * Why this rule configuration would be rejected, or null when it is valid.
   *
   * @param name the name of the factory configuration (after '~'), the rule id when none is
   *     configured
   * @param properties configuration properties as Config Admin would hold them (names as the
   *     Metatype documents)
   */
  String problem(String name, Map<String, Object> properties);

  /** The rules in force for this camera (those of every camera included). */
  List<RuleShape> rules(String cameraId);

  /** Rule id to the reason it was rejected, for every rule configured and rejected now. */
  Map<String, String> rejected();
}
