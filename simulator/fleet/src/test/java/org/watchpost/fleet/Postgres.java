// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL (Debian's package) in a directory under target/, on a free loopback port, for
 * the tests of the console's PostgreSQL store. PostgreSQL refuses to run as root, so as root the
 * cluster directory belongs to the {@code postgres} user and every command runs through {@code
 * runuser -u postgres --}.
 */
final class Postgres implements AutoCloseable {
  private static final Path VERSIONS = Path.of("/usr/lib/postgresql");

  private final Path bin;
  private final Path data;
  private final int port;

  private Postgres(Path bin, Path data, int port) {
    this.bin = bin;
    this.data = data;
    this.port = port;
  }

  /** The newest installed PostgreSQL's bin directory, or null. */
  static Path installed() {
    if (!Files.isDirectory(VERSIONS)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(VERSIONS)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(
              Comparator.comparing(
                  b ->
                      Integer.parseInt(
                          b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  static Postgres start(Path dir) throws IOException, InterruptedException {
    Path bin = installed();
    if (bin == null) {
      throw new IllegalStateException(
          "PostgreSQL is not installed (/usr/lib/postgresql/N/bin/initdb)");
    }
    Files.createDirectories(dir);
    if (Files.exists(dir.resolve("data"))) {
      run(List.of("rm", "-rf", dir.resolve("data").toString()), false);
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
    }
    Path data = dir.resolve("data");
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            "watchpost",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions"),
        root);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    // fsync off: a test cluster, thrown away after; the socket directory is the cluster's own.
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-w",
            "-t",
            "60",
            "-o",
            "-p " + port + " -h 127.0.0.1 -k " + dir + " -F",
            "start"),
        root);
    return new Postgres(bin, data, port);
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=watchpost";
  }

  private static void run(List<String> command, boolean asPostgres)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", full) + " failed: " + output);
    }
  }

  @Override
  public void close() {
    try {
      run(
          List.of(
              bin.resolve("pg_ctl").toString(),
              "-D",
              data.toString(),
              "-m",
              "immediate",
              "-w",
              "stop"),
          "root".equals(System.getProperty("user.name")));
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("PostgreSQL did not stop: " + e.getMessage(), e);
    }
  }
}
