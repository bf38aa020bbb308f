// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.watchpost.api.event.Priority;

/**
 * The uplink in a JVM of its own, for the kill -9 test. {@code produce}: publishes a mix of
 * priorities until killed, printing {@code S <seq>} for every message once the outbox has committed
 * it. {@code drain}: sends what the outbox holds, stops cleanly and prints {@code DRAINED}.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    Path outbox = Path.of(args[1]);
    boolean produce = args[2].equals("produce");
    PrintStream out =
        new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
    UplinkEngine engine =
        new UplinkEngine(
            Samples.config(url, outbox, Map.of("batch_max", 10, "drain_on_stop_s", 30)),
            stored -> {
              StringBuilder lines = new StringBuilder();
              stored.forEach(s -> lines.append("S ").append(s.seq()).append('\n'));
              synchronized (out) {
                out.print(lines);
                out.flush();
              }
            });
    synchronized (out) {
      out.println("READY");
      out.flush();
    }
    if (produce) {
      Priority[] mix = {
        Priority.EVENT,
        Priority.EVENT,
        Priority.ALARM,
        Priority.COUNTS,
        Priority.HEALTH,
        Priority.BULK
      };
      for (long n = 0; ; n++) {
        engine.publish(Samples.withPriority("cam1", n, mix[(int) (n % mix.length)]));
        Thread.sleep(2);
      }
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while ((engine.outbox().depth() > 0 || !engine.connected())
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    engine.close();
    synchronized (out) {
      out.println(engine.outbox().depth() == 0 ? "DRAINED" : "NOT DRAINED");
      out.flush();
    }
  }
}
