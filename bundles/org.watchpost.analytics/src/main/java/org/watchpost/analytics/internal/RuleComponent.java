// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.watchpost.analytics.internal.rules.RuleParser;

/**
 * One rule per factory configuration of {@link RuleConfig#PID}; a changed configuration replaces
 * the service.
 */
@Component(
    service = RuleSource.class,
    configurationPid = RuleConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RuleConfig.class, factory = true)
public final class RuleComponent implements RuleSource {
  private final String pid;
  private final RuleParser.Input input;

  @Activate
  public RuleComponent(RuleConfig config, Map<String, Object> properties) {
    this.pid = String.valueOf(properties.getOrDefault("service.pid", RuleConfig.PID));
    this.input = input(config, pid);
  }

  static RuleParser.Input input(RuleConfig c, String pid) {
    String id = c.rule_id() == null || c.rule_id().isBlank() ? nameOf(pid) : c.rule_id();
    return new RuleParser.Input(
        id,
        c.camera_id(),
        c.type(),
        c.points(),
        c.classes(),
        c.schedule(),
        c.time_zone(),
        c.dwell_s(),
        c.min_count(),
        c.cooldown_s(),
        c.direction(),
        c.count_interval_s(),
        c.priority());
  }

  /** The name of a named factory configuration ({@code factory~name}), else the whole PID. */
  static String nameOf(String pid) {
    int tilde = pid.indexOf('~');
    return tilde >= 0 ? pid.substring(tilde + 1) : pid;
  }

  @Override
  public String pid() {
    return pid;
  }

  @Override
  public RuleParser.Input input() {
    return input;
  }
}
