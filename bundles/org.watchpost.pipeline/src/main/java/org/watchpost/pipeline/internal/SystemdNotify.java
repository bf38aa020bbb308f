// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends sd_notify messages by running systemd's own {@code systemd-notify}. Java has no unix
 * datagram socket; a native library (JNA, jnr-unixsocket) would bring per-architecture native code
 * into the runtime for one datagram every few seconds. {@code systemd-notify} ships with systemd on
 * every target, and since systemd 246 it waits on a barrier until the manager has read the message,
 * so the message is attributed to the unit although the process that sent it is gone (the unit sets
 * {@code NotifyAccess=all}, as a child sends it).
 */
final class SystemdNotify {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

  /** systemd-notify waits at most 5 s on its barrier; past this the call is abandoned. */
  private static final long TIMEOUT_SECONDS = 10;

  private final String command;
  private final String socket;
  private volatile boolean warned;

  SystemdNotify(String command, String socket) {
    this.command = command;
    this.socket = socket;
  }

  /**
   * Sends the assignments ({@code READY=1}, {@code WATCHDOG=1}, {@code STATUS=...}) as one message.
   */
  boolean send(String... assignments) {
    List<String> argv = new ArrayList<>();
    argv.add(command);
    argv.addAll(List.of(assignments));
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("NOTIFY_SOCKET", socket);
    try {
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return failed("systemd-notify did not finish within " + TIMEOUT_SECONDS + " s");
      }
      return process.exitValue() == 0
          || failed("systemd-notify ended with status " + process.exitValue());
    } catch (IOException e) {
      return failed("cannot run " + command + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private boolean failed(String why) {
    if (!warned) {
      warned = true;
      LOG.warn("systemd notification failed (reported once): {}", why);
    }
    return false;
  }
}
