// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.ZipFile;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code watchpost fleet}: roll a model package out to devices, or list them. */
@Command(
    name = "fleet",
    mixinStandardHelpOptions = true,
    description = "Roll model packages out to a fleet over MQTT (MODEL-V1).",
    subcommands = {
      FleetCommand.Rollout.class,
      FleetCommand.Status.class,
      FleetCommand.Exec.class,
      FleetCommand.Health.class
    })
public final class FleetCommand {

  static class Connection {
    @Option(
        names = "--broker",
        required = true,
        description = "MQTT broker URL, e.g. tcp://broker:1883.")
    String broker;

    @Option(
        names = "--account",
        defaultValue = "watchpost",
        description = "Kura account of the devices (default: ${DEFAULT-VALUE}).")
    String account;

    @Option(
        names = "--console-id",
        defaultValue = "rollout-console",
        description = "This console's MQTT client id (default: ${DEFAULT-VALUE}).")
    String consoleId;
  }

  static class Targets {
    @Option(names = "--devices", description = "File of client ids, one a line ('#' comments).")
    Path devices;

    @Option(
        names = "--all",
        description = "Every device of the account, including those that appear later.")
    boolean all;

    @Option(
        names = "--match",
        description =
            "Client ids matching a glob, e.g. 'gate-*'; devices that appear later are included.")
    String match;
  }

  @Command(
      name = "rollout",
      mixinStandardHelpOptions = true,
      description =
          "Send a package to devices in stages, halt past the failure threshold; resumable from --state.")
  static final class Rollout implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1")
    Connection connection;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Targets targets;

    @Option(
        names = "--package",
        required = true,
        description = "The signed package (.zip) made by 'watchpost model pack'.")
    Path packageFile;

    @Option(
        names = "--canary",
        defaultValue = "1%",
        description = "First stage, share of the devices (default: ${DEFAULT-VALUE}).")
    String canary;

    @Option(
        names = "--waves",
        defaultValue = "10%,50%,100%",
        description = "Later stages, cumulative shares (default: ${DEFAULT-VALUE}).")
    String waves;

    @Option(
        names = "--halt-on-failure",
        defaultValue = "2%",
        description =
            "Halt once more than this share of started devices failed (default: ${DEFAULT-VALUE}).")
    String halt;

    @Option(
        names = "--transport",
        defaultValue = "mqtt",
        description = "mqtt (chunks served by this console) or https (--url).")
    String transport;

    @Option(names = "--url", description = "HTTPS URL of the package, for --transport https.")
    String url;

    @Option(
        names = "--state",
        defaultValue = "var/fleet/rollout.db",
        description =
            "Where rollouts are kept: a SQLite file, or a JDBC URL (jdbc:postgresql://host/db?user=U) for a central team; a rollout of the same package found there is resumed (default: ${DEFAULT-VALUE}).")
    String state;

    @Option(
        names = "--max-attempts",
        defaultValue = "3",
        description = "Attempts per device before it counts as failed (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(
        names = "--retry-delay",
        defaultValue = "30s",
        description = "Delay before a second attempt, doubling after (default: ${DEFAULT-VALUE}).")
    String retryDelay;

    @Option(
        names = "--attempt-timeout",
        defaultValue = "30m",
        description =
            "An attempt without word from the device for this long failed (default: ${DEFAULT-VALUE}).")
    String attemptTimeout;

    @Option(
        names = "--timeout",
        defaultValue = "24h",
        description =
            "Give up waiting after this long; the state file keeps the rollout (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(
        names = "--print-every",
        defaultValue = "10s",
        description =
            "Status table interval; 0 for start and end only (default: ${DEFAULT-VALUE}).")
    String printEvery;

    @Option(
        names = "--console-key",
        required = true,
        description =
            "This console's Ed25519 private key (made by 'watchpost model keygen --name console'; its .pub beside it, and in each device's console keys directory). Every PUT is signed with it for the device it goes to.")
    Path consoleKey;

    @Option(
        names = "--command-lifetime",
        defaultValue = "15m",
        description =
            "How long a signed command stays valid (default: ${DEFAULT-VALUE}); each offer is signed anew.")
    String commandLifetime;

    @Option(
        names = "--block-size",
        defaultValue = "" + FleetConsole.DEFAULT_BLOCK_SIZE,
        description =
            "Bytes per block of the signed hash list of an MQTT transfer; devices ask for whole blocks (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /** The flags, parsed and checked together before anything is read or connected. */
    private record Flags(
        List<Double> stages,
        double halt,
        long retryDelayMillis,
        long attemptTimeoutMillis,
        Duration timeout,
        Duration printEvery,
        Duration commandLifetime) {}

    private Flags flags() {
      List<Double> stages;
      try {
        stages = stages(canary, waves);
      } catch (IllegalArgumentException e) {
        throw usage(spec, e.getMessage());
      }
      Flags f =
          new Flags(
              stages,
              flag(spec, "--halt-on-failure", halt, FleetCommand::share),
              flag(spec, "--retry-delay", retryDelay, FleetCommand::duration).toMillis(),
              flag(spec, "--attempt-timeout", attemptTimeout, FleetCommand::duration).toMillis(),
              flag(spec, "--timeout", timeout, FleetCommand::duration),
              flag(spec, "--print-every", printEvery, FleetCommand::duration),
              flag(spec, "--command-lifetime", commandLifetime, FleetCommand::duration));
      if (!transport.equals("mqtt") && !transport.equals("https")) {
        throw usage(spec, "--transport '" + transport + "': mqtt or https");
      }
      if (transport.equals("https") && (url == null || !url.startsWith("https://"))) {
        throw usage(spec, "--transport https needs --url https://...");
      }
      if (maxAttempts < 1 || maxAttempts > 100) {
        throw usage(spec, "--max-attempts " + maxAttempts + ": 1 to 100");
      }
      if (blockSize < 256 || blockSize > 256 * 1024) {
        throw usage(spec, "--block-size " + blockSize + ": 256 to 262144 bytes");
      }
      if (!Files.isRegularFile(packageFile)) {
        throw usage(spec, "--package " + packageFile + ": no such file");
      }
      if (!Files.isRegularFile(consoleKey)) {
        throw usage(spec, "--console-key " + consoleKey + ": no such file");
      }
      return f;
    }

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      Flags f = flags();
      java.security.KeyPair key;
      try {
        key = FleetConsole.readKey(consoleKey);
      } catch (IOException e) {
        throw usage(spec, "--console-key " + consoleKey + ": " + e.getMessage());
      }
      String sha = ModelPackage.sha256Of(packageFile);
      RolloutState plan;
      try {
        plan = plan(sha, f);
      } catch (IOException | PackageRejectedException e) {
        throw usage(
            spec, "--package " + packageFile + " is not a model package: " + e.getMessage());
      }
      RolloutStore store;
      try {
        store = RolloutStore.open(state);
      } catch (IOException e) {
        throw usage(spec, "--state: " + e.getMessage());
      }
      try (store) {
        RolloutState kept = store.load(plan.rolloutId);
        if (kept != null) {
          out.println("resuming rollout " + kept.rolloutId + " from " + RolloutStore.redact(state));
        }
        return run(out, f, key, store, kept != null ? kept : plan);
      }
    }

    private int run(
        PrintStream out, Flags f, java.security.KeyPair key, RolloutStore store, RolloutState state)
        throws Exception {
      FleetConsole console =
          new FleetConsole(connection.broker, connection.account, connection.consoleId, out);
      // A stop (Ctrl-C, SIGTERM) saves the last state too; the console's close is idempotent.
      Thread hook = new Thread(console::close, "fleet-console-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      try (console) {
        console.printEvery(f.printEvery());
        console.signWith(key, f.commandLifetime());
        console.blockSize(blockSize);
        console.connect(Duration.ofSeconds(30));
        console.rollout(state, store);
        boolean settled = console.await(f.timeout());
        RolloutState last = console.state();
        if (!settled) {
          out.println(
              "fleet rollout: not finished within "
                  + timeout
                  + "; run the same command again to resume");
          return 3;
        }
        return last.halted
            ? 4
            : last.devices.values().stream().anyMatch(d -> d.phase == DeviceRecord.Phase.FAILED)
                ? 1
                : 0;
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException stopping) {
          // The JVM is already stopping: the hook runs, and finds the console closed.
        }
      }
    }

    private RolloutState plan(String sha, Flags f) throws IOException, PackageRejectedException {
      PackageManifest manifest = readManifest(packageFile);
      RolloutState s = new RolloutState();
      s.rolloutId = manifest.name() + "-" + manifest.version() + "-" + sha.substring(0, 8);
      s.packageFile = packageFile.toAbsolutePath().toString();
      s.packageSha256 = sha;
      s.packageSize = Files.size(packageFile);
      s.modelName = manifest.name();
      s.modelVersion = manifest.version();
      s.transport = transport;
      s.url = url;
      s.targets = new ArrayList<>();
      if (targets.all) {
        s.targets.add("*");
      } else if (targets.match != null) {
        s.targets.add(targets.match);
      } else {
        for (String line : Files.readAllLines(targets.devices)) {
          String id = line.strip();
          if (!id.isEmpty() && !id.startsWith("#")) {
            s.targets.add(id);
          }
        }
      }
      s.stages = f.stages();
      s.haltOnFailure = f.halt();
      s.maxAttempts = maxAttempts;
      s.retryDelayMillis = f.retryDelayMillis();
      s.attemptTimeoutMillis = f.attemptTimeoutMillis();
      return s;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "List the devices of an account with their model version, state and when they were last seen.")
  static final class Status implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1")
    Connection connection;

    @Option(
        names = "--listen",
        defaultValue = "5s",
        description = "How long to collect answers (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(
        names = "--state",
        description =
            "Also show the devices of the last rollout kept here (a SQLite file or a JDBC URL).")
    String state;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Duration listenFor = flag(spec, "--listen", listen, FleetCommand::duration);
      try (FleetConsole console =
          new FleetConsole(
              connection.broker,
              connection.account,
              connection.consoleId + "-status",
              System.out)) {
        console.printEvery(Duration.ZERO);
        console.connect(Duration.ofSeconds(30));
        Thread.sleep(listenFor.toMillis());
        List<DeviceRecord> devices = new ArrayList<>(console.devices());
        if (this.state != null) {
          RolloutState state;
          try (RolloutStore store = RolloutStore.open(this.state)) {
            String latest = store.latest();
            state = latest == null ? null : store.load(latest);
          }
          if (state != null) {
            System.out.printf(
                "rollout %s: stage %d of %d%s%n",
                state.rolloutId,
                state.stage + 1,
                state.stages.size(),
                state.halted
                    ? ", HALTED: " + state.haltReason
                    : state.finished ? ", finished" : "");
            state.devices.values().stream()
                .filter(d -> devices.stream().noneMatch(x -> x.clientId.equals(d.clientId)))
                .forEach(devices::add);
          }
        }
        System.out.print(FleetConsole.table(devices));
        System.out.println(devices.size() + " device(s)");
      }
      return 0;
    }
  }

  @Command(
      name = "health",
      mixinStandardHelpOptions = true,
      description =
          "The fleet health census: every device and camera with its state now (ONLINE/OFFLINE since when, camera states, model), totals per state and per site/region, the oldest unresolved fault first.")
  static final class Health implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1")
    Connection connection;

    @Option(
        names = "--listen",
        defaultValue = "75s",
        description =
            "How long to listen: devices report health every 60 s (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(
        names = "--devices",
        description =
            "Inventory: client ids, one a line ('#' comments); those never heard from are listed first as NEVER_SEEN.")
    Path inventory;

    @Option(names = "--csv", description = "Write every device and camera to this CSV file.")
    Path csv;

    @Option(
        names = "--json",
        description = "Write the totals and every device and camera to this JSON file.")
    Path json;

    @Option(
        names = "--limit",
        defaultValue = "40",
        description =
            "Rows of the list printed on the terminal (default: ${DEFAULT-VALUE}); the files get all.")
    int limit;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Duration listenFor = flag(spec, "--listen", listen, FleetCommand::duration);
      if (csv != null && json != null) {
        throw usage(spec, "--csv and --json: one or the other");
      }
      FleetCensus census = new FleetCensus(connection.account, connection.consoleId + "-health");
      if (inventory != null) {
        if (!Files.isRegularFile(inventory)) {
          throw usage(spec, "--devices " + inventory + ": no such file");
        }
        try (var lines = Files.lines(inventory)) {
          lines
              .map(String::strip)
              .filter(l -> !l.isEmpty() && !l.startsWith("#"))
              .limit(FleetCensus.MAX_DEVICES)
              .forEach(census::expect);
        }
      }
      long started = System.nanoTime();
      try (CensusListener listener =
          CensusListener.start(
              connection.broker,
              connection.account,
              connection.consoleId + "-health",
              census,
              Duration.ofSeconds(30))) {
        Thread.sleep(listenFor.toMillis());
        System.out.printf(
            "listened %d s, %d messages%n",
            (System.nanoTime() - started) / 1_000_000_000L, listener.messages());
      }
      System.out.print(CensusReport.text(census, limit));
      if (csv != null) {
        CensusReport.writeCsv(census, csv);
        System.out.println("wrote " + csv);
      }
      if (json != null) {
        CensusReport.writeJson(census, json);
        System.out.println("wrote " + json);
      }
      return 0;
    }
  }

  @Command(
      name = "exec",
      mixinStandardHelpOptions = true,
      description =
          "Send one signed command to one device: activate (the validated candidate), rollback (a rollback token for this device only, short-lived) or cancel (the job in progress).")
  static final class Exec implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1")
    Connection connection;

    @Option(names = "--device", required = true, description = "The device's client id.")
    String device;

    @Option(
        names = "--console-key",
        required = true,
        description = "This console's Ed25519 private key (its .pub beside it).")
    Path consoleKey;

    @Option(
        names = "--lifetime",
        defaultValue = "10m",
        description =
            "How long the command stays valid; a device accepts a rollback token of at most its rollback_token_max_s (default: ${DEFAULT-VALUE}).")
    String lifetime;

    @Option(names = "--job", description = "For cancel: the job to cancel.")
    String job;

    @picocli.CommandLine.Parameters(index = "0", description = "activate, rollback or cancel")
    String command;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (!List.of("activate", "rollback", "cancel").contains(command)) {
        throw usage(spec, "the command is activate, rollback or cancel, not " + command);
      }
      Duration valid = flag(spec, "--lifetime", lifetime, FleetCommand::duration);
      try (FleetConsole console =
          new FleetConsole(
              connection.broker, connection.account, connection.consoleId + "-exec", System.out)) {
        console.printEvery(Duration.ZERO);
        console.signWith(FleetConsole.readKey(consoleKey), valid);
        console.connect(Duration.ofSeconds(30));
        java.util.Map<String, Object> metrics =
            job == null
                ? java.util.Map.of()
                : java.util.Map.of(org.watchpost.models.protocol.ModelProtocol.JOB_ID, job);
        var reply = console.command(device, "EXEC", command, metrics, Duration.ofSeconds(60));
        if (reply == null) {
          System.out.println(device + ": no reply within 60 s");
          return 3;
        }
        Object code = reply.get("response.code");
        System.out.println(
            device + ": " + code + " " + reply.getOrDefault("response.exception.message", ""));
        return code instanceof Number n && n.intValue() == 200 ? 0 : 1;
      }
    }
  }

  /** {@code watchpost fleet} with the console's error handling: see {@link #ONE_LINE_ERRORS}. */
  static picocli.CommandLine commandLine() {
    return new picocli.CommandLine(new FleetCommand())
        .setParameterExceptionHandler(ONE_LINE_ERRORS)
        .setExecutionExceptionHandler(BROKER_ERRORS);
  }

  /** Exit code when the broker cannot be reached or refuses the console. */
  public static final int EXIT_BROKER = 5;

  /**
   * A broker that cannot be reached (or refuses the connection) is one line naming the cause and
   * exit code 5, not a stack trace; anything else is a bug and keeps its stack trace.
   */
  public static final picocli.CommandLine.IExecutionExceptionHandler BROKER_ERRORS =
      (e, cmd, parsed) -> {
        if (!(e instanceof org.eclipse.paho.client.mqttv3.MqttException)) {
          throw e;
        }
        Throwable cause = e.getCause();
        cmd.getErr()
            .println(
                cmd.getCommandSpec().qualifiedName()
                    + ": the broker refused or cannot be reached: "
                    + e.getMessage()
                    + (cause == null || cause.getMessage() == null
                        ? ""
                        : " (" + cause.getMessage() + ")"));
        return EXIT_BROKER;
      };

  /**
   * A bad flag, or a flag combination that cannot work, is one line on stderr naming the command
   * and the flag, and exit code 2; no usage page, no stack trace. Set on the root command line so
   * every subcommand gets it.
   */
  public static final picocli.CommandLine.IParameterExceptionHandler ONE_LINE_ERRORS =
      (e, args) -> {
        picocli.CommandLine cmd = e.getCommandLine();
        cmd.getErr()
            .println(
                cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see --help)");
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
      };

  /** Parses a flag's value; a value that does not parse is a usage error naming the flag. */
  static <T> T flag(
      picocli.CommandLine.Model.CommandSpec spec,
      String name,
      String value,
      java.util.function.Function<String, T> parse) {
    try {
      return parse.apply(value);
    } catch (RuntimeException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          name
              + " '"
              + value
              + "': "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
  }

  static picocli.CommandLine.ParameterException usage(
      picocli.CommandLine.Model.CommandSpec spec, String message) {
    return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
  }

  static PackageManifest readManifest(Path pkg) throws IOException, PackageRejectedException {
    try (ZipFile zip = new ZipFile(pkg.toFile())) {
      var entry = zip.getEntry(PackageManifest.MANIFEST);
      if (entry == null) {
        throw new IOException(pkg + " is not a model package (no manifest.json)");
      }
      try (InputStream in = zip.getInputStream(entry)) {
        return PackageManifest.parse(in.readNBytes(PackageManifest.MAX_BYTES + 1));
      }
    }
  }

  /**
   * The stages: the canary, then the waves; each a cumulative share, so none may be below the one
   * before.
   */
  static List<Double> stages(String canary, String waves) {
    List<Double> out = new ArrayList<>();
    out.add(namedShare("--canary", canary));
    String previous = "--canary " + canary;
    for (String w : waves.split(",")) {
      if (!w.isBlank()) {
        double s = namedShare("--waves", w.strip());
        if (s < out.get(out.size() - 1)) {
          throw new IllegalArgumentException(
              "--waves "
                  + w.strip()
                  + " is below "
                  + previous
                  + ": stages are cumulative shares of the devices and cannot shrink (e.g. --canary 100% --waves '')");
        }
        out.add(s);
        previous = "--waves " + w.strip();
      }
    }
    if (out.get(out.size() - 1) < 1.0) {
      out.add(1.0);
    }
    return out;
  }

  private static double namedShare(String flag, String text) {
    try {
      return share(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + " '" + text + "': " + e.getMessage(), e);
    }
  }

  static double share(String text) {
    String t = text.strip();
    if (!t.matches("[0-9]{1,3}(\\.[0-9]{1,6})?%|0?\\.[0-9]{1,8}|[01]")) {
      throw new IllegalArgumentException("a share is a percentage 0..100%, e.g. 10%");
    }
    double value =
        t.endsWith("%")
            ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100
            : Double.parseDouble(t);
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException("a share must be 0..100%");
    }
    return value;
  }

  static Duration duration(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    if (!t.matches("[0-9]{1,12}(ms|s|m|h|d)")) {
      throw new IllegalArgumentException("a duration is N followed by ms, s, m, h or d, e.g. 30s");
    }
    long n = Long.parseLong(t.substring(0, t.length() - (t.endsWith("ms") ? 2 : 1)));
    if (t.endsWith("ms")) {
      return Duration.ofMillis(n);
    }
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      case 'd' -> Duration.ofDays(n);
      default ->
          throw new IllegalArgumentException(
              "a duration is N followed by ms, s, m, h or d, was " + text);
    };
  }
}
