// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import org.watchpost.api.detect.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./watchpost}: one subcommand per job. */
@Command(
    name = "watchpost",
    mixinStandardHelpOptions = true,
    description =
        "On-camera analytics firmware: run the demo, look at detections, measure; make signed model packages"
            + " and roll them out; simulate cameras, thin links and fleets.",
    subcommands = {
      DemoCommand.class,
      DetectCommand.class,
      BenchCommand.class,
      ConfigReferenceCommand.class,
      ModelCommand.class,
      org.watchpost.fleet.FleetCommand.class,
      SimCommand.class,
      OpcUaUserCommand.class
    })
public final class Main {
  /**
   * Exit code when the model cannot be used (missing, altered, unreadable): the message says which
   * and why.
   */
  static final int EXIT_MODEL = 3;

  /**
   * A model that does not load is the user's to fix (run models/fetch, point --model elsewhere):
   * one line with the reason and exit code 3, not a stack trace. Anything else goes on to the
   * broker handler, then is a bug.
   */
  static final CommandLine.IExecutionExceptionHandler ERRORS =
      (e, cmd, parsed) -> {
        if (e instanceof ModelLoadException) {
          cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
          return EXIT_MODEL;
        }
        return org.watchpost.fleet.FleetCommand.BROKER_ERRORS.handleExecutionException(
            e, cmd, parsed);
      };

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    // A bad flag is one line and exit code 2 for every command, as the fleet console's are.
    return new CommandLine(new Main())
        .setParameterExceptionHandler(org.watchpost.fleet.FleetCommand.ONE_LINE_ERRORS)
        .setExecutionExceptionHandler(ERRORS);
  }
}
