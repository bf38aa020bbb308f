// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The exported runtime jar as a device runs it: a child JVM in its own working directory, its
 * output kept in memory and in runtime.log there.
 */
final class RuntimeProcess implements AutoCloseable {
  final Process process;
  final List<String> output = new CopyOnWriteArrayList<>();
  private final Thread reader;

  /**
   * As the launchers start it (issue 19): natives from one extracted copy shared by every runtime
   * the tests start (target/natives), and a temporary directory of its own in the working
   * directory, so that a runtime a test kills leaves nothing in the machine's /tmp.
   */
  RuntimeProcess(Path workingDirectory, Path config) throws IOException {
    this(workingDirectory, config, launcherOptions(workingDirectory));
  }

  static List<String> launcherOptions(Path workingDirectory) throws IOException {
    Path natives = Path.of("target", "natives").toAbsolutePath();
    Path tmp = Files.createDirectories(workingDirectory.resolve("tmp"));
    return List.of(
        "-Dwatchpost.natives.dir=" + natives,
        "-Djava.library.path=" + natives,
        "-Djava.io.tmpdir=" + tmp);
  }

  /** With JVM options before {@code -jar}, as a launcher passes them. */
  RuntimeProcess(Path workingDirectory, Path config, List<String> jvmOptions) throws IOException {
    Files.createDirectories(workingDirectory);
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-Dconfigurator.initial=" + config.toUri(),
            "-Dorg.osgi.framework.storage=" + workingDirectory.resolve("framework"),
            "-jar",
            System.getProperty("watchpost.runtime.jar")));
    process =
        new ProcessBuilder(command)
            .directory(workingDirectory.toFile())
            .redirectErrorStream(true)
            .start();
    Path log = workingDirectory.resolve("runtime.log");
    reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  java.io.Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                  output.add(line);
                  file.write(line);
                  file.write('\n');
                  file.flush();
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "runtime-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The first output line that matches, waiting at most the timeout; fails with the output so far.
   */
  String await(Predicate<String> line, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      Optional<String> found = output.stream().filter(line).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            "the runtime exited (" + process.exitValue() + "):\n" + String.join("\n", output));
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "not in the runtime's output within "
            + timeoutMillis
            + " ms:\n"
            + String.join("\n", output));
  }

  /** CPU time the process has used, from /proc (user + system), in clock ticks. */
  long cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** A field of /proc/pid/status in kB, e.g. VmRSS or VmHWM. */
  long statusKb(String field) throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IOException(field + " not in /proc/" + process.pid() + "/status");
  }

  @Override
  public void close() throws InterruptedException {
    // SIGTERM through the handle: Process.destroy() would also close the output pipe, losing what
    // the runtime
    // says while it stops.
    process.toHandle().destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(5_000);
  }
}
