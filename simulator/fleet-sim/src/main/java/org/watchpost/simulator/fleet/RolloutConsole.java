// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import org.watchpost.fleet.FleetCommand;

/**
 * {@code watchpost fleet} in a child JVM of a scenario, with the console's own error handling: the
 * rollout of a scenario is given by the same command an operator runs, not by a copy of it.
 */
public final class RolloutConsole {
  private RolloutConsole() {}

  public static void main(String[] args) {
    System.exit(
        new picocli.CommandLine(new FleetCommand())
            .setParameterExceptionHandler(FleetCommand.ONE_LINE_ERRORS)
            .setExecutionExceptionHandler(FleetCommand.BROKER_ERRORS)
            .execute(args));
  }
}
