package org.watchpost.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./watchpost}: one subcommand per job. */
@Command(name = "watchpost", mixinStandardHelpOptions = true,
    description = "On-camera analytics firmware: run the demo, look at detections, measure; make signed model packages"
        + " and roll them out; simulate cameras, thin links and fleets.",
    subcommands = {DemoCommand.class, DetectCommand.class, BenchCommand.class, ConfigReferenceCommand.class,
        ModelCommand.class, org.watchpost.fleet.FleetCommand.class, SimCommand.class, OpcUaUserCommand.class})
public final class Main {

  public static void main(String[] args) {
    // A bad flag is one line and exit code 2 for every command, as the fleet console's are.
    System.exit(new CommandLine(new Main()).setParameterExceptionHandler(org.watchpost.fleet.FleetCommand.ONE_LINE_ERRORS)
        .setExecutionExceptionHandler(org.watchpost.fleet.FleetCommand.BROKER_ERRORS).execute(args));
  }
}
