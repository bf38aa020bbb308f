// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.link;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on loopback that plays one device's link to the broker as a {@link LinkProfile}
 * describes it, on a {@link SimClock}: a bandwidth cap each way, latency and jitter (order kept),
 * and outages that either cut every connection and refuse new ones, or black-hole them (open, but
 * nothing crosses until the outage ends, as TCP would retransmit).
 *
 * <p>It reads eagerly from both ends and counts bytes when they arrive, per scenario second, so its
 * ledger shows what each end sent, not what the link let through: that is what a device's budget is
 * checked against.
 */
public final class LinkSimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LinkSimulator.class);

  /** Bytes read at once; small enough that one chunk is a short burst on a thin link. */
  private static final int CHUNK = 1024;

  private final String name;
  private final LinkProfile profile;
  private final SimClock clock;
  private final String targetHost;
  private final int targetPort;
  private final ServerSocket server;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();

  /** Bytes sent by the device (index 0) and by the broker (index 1), per scenario second. */
  private final List<long[]> ledger = new ArrayList<>();

  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong cuts = new AtomicLong();
  private final long[] nextFree = new long[2];
  private final Thread acceptor;
  private final Thread controller;
  private volatile boolean open = true;

  /** Starts listening on a free loopback port. */
  public LinkSimulator(
      String name, LinkProfile profile, SimClock clock, String targetHost, int targetPort)
      throws IOException {
    this.name = name;
    this.profile = profile;
    this.clock = clock;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    acceptor = new Thread(this::accept, "link-" + name + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    controller = new Thread(this::control, "link-" + name + "-control");
    controller.setDaemon(true);
    controller.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The URL a device connects to instead of the broker's. */
  public String url() {
    return "tcp://127.0.0.1:" + port();
  }

  public LinkProfile profile() {
    return profile;
  }

  /** Whether the link is down now. */
  public LinkProfile.Outage outageNow() {
    return profile.outageAt(clock.seconds());
  }

  private void accept() {
    while (open) {
      Socket device;
      try {
        device = server.accept();
      } catch (IOException e) {
        if (open) {
          LOG.warn("link {}: accept failed: {}", name, e.getMessage());
        }
        continue;
      }
      LinkProfile.Outage outage = outageNow();
      if (outage != null && outage.mode() == LinkProfile.OutageMode.CUT) {
        refused.incrementAndGet();
        resetQuietly(device);
        continue;
      }
      try {
        Socket broker = new Socket(targetHost, targetPort);
        accepted.incrementAndGet();
        Connection connection = new Connection(device, broker);
        connections.add(connection);
        connection.start();
      } catch (IOException e) {
        LOG.warn("link {}: cannot reach {}:{}: {}", name, targetHost, targetPort, e.getMessage());
        resetQuietly(device);
      }
    }
  }

  /** Cuts connections when a CUT outage begins. */
  private void control() {
    LinkProfile.Outage handled = null;
    while (open) {
      LinkProfile.Outage outage = outageNow();
      if (outage != null && outage != handled && outage.mode() == LinkProfile.OutageMode.CUT) {
        handled = outage;
        cuts.incrementAndGet();
        LOG.info(
            "link {}: cut at {} s for {} s",
            name,
            Math.round(outage.fromSeconds()),
            Math.round(outage.seconds()));
        connections.forEach(Connection::reset);
        connections.clear();
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void note(int direction, int bytes) {
    int second = (int) Math.floor(clock.seconds());
    synchronized (ledger) {
      while (ledger.size() <= second) {
        ledger.add(new long[2]);
      }
      ledger.get(second)[direction] += bytes;
    }
  }

  /** Bytes the device sent (up) or the broker sent (down) so far. */
  public long bytes(boolean up) {
    synchronized (ledger) {
      return ledger.stream().mapToLong(b -> b[up ? 0 : 1]).sum();
    }
  }

  /** The most bytes, both directions together, sent in any window of whole scenario seconds. */
  public long maxWindowBytes(int windowSeconds) {
    long[] perSecond;
    synchronized (ledger) {
      perSecond = ledger.stream().mapToLong(b -> b[0] + b[1]).toArray();
    }
    long max = 0;
    long sum = 0;
    for (int i = 0; i < perSecond.length; i++) {
      sum += perSecond[i];
      if (i >= windowSeconds) {
        sum -= perSecond[i - windowSeconds];
      }
      max = Math.max(max, sum);
    }
    return max;
  }

  /** Bytes both ways per scenario second, from second 0. */
  public long[] bytesPerSecond() {
    synchronized (ledger) {
      return ledger.stream().mapToLong(b -> b[0] + b[1]).toArray();
    }
  }

  /** Bytes one way (up: what the device sent) per scenario second, from second 0. */
  public long[] bytesPerSecond(boolean up) {
    synchronized (ledger) {
      return ledger.stream().mapToLong(b -> b[up ? 0 : 1]).toArray();
    }
  }

  /** Connections carried, refused during cuts, and cuts made. */
  public record Counts(long accepted, long refused, long cuts) {}

  public Counts counts() {
    return new Counts(accepted.get(), refused.get(), cuts.get());
  }

  private long wallNanosFor(int bytes, int direction) {
    long bits = profile.bitsPerSecond(direction == 0);
    if (bits == 0) {
      return 0;
    }
    return clock.wallNanos(bytes * 8.0 / bits);
  }

  private long delayNanos() {
    double millis = profile.latencyMillis();
    if (profile.jitterMillis() > 0) {
      millis += ThreadLocalRandom.current().nextDouble(profile.jitterMillis());
    }
    return clock.wallNanos(millis / 1000.0);
  }

  /** Waits while a black hole swallows the link; false when the connection closed meanwhile. */
  private boolean waitOutBlackhole(Connection connection) throws InterruptedException {
    LinkProfile.Outage outage;
    while ((outage = outageNow()) != null) {
      if (outage.mode() == LinkProfile.OutageMode.CUT || connection.closed) {
        return false;
      }
      clock.sleepUntil(outage.toSeconds());
    }
    return !connection.closed;
  }

  private static void resetQuietly(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closed already
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closed already
    }
  }

  /** One device connection and its connection to the broker. */
  private final class Connection {
    private final Socket device;
    private final Socket broker;
    private volatile boolean closed;

    Connection(Socket device, Socket broker) {
      this.device = device;
      this.broker = broker;
    }

    void start() {
      pump(device, broker, 0);
      pump(broker, device, 1);
    }

    private record Chunk(long dueNanos, byte[] bytes) {}

    private void pump(Socket from, Socket to, int direction) {
      BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
      String side = direction == 0 ? "up" : "down";
      Thread reader =
          new Thread(
              () -> {
                byte[] buffer = new byte[CHUNK];
                long lastDue = 0;
                try (InputStream in = from.getInputStream()) {
                  int n;
                  while ((n = in.read(buffer)) > 0) {
                    note(direction, n);
                    long due = Math.max(lastDue, System.nanoTime() + delayNanos());
                    lastDue = due;
                    queue.add(new Chunk(due, Arrays.copyOf(buffer, n)));
                  }
                } catch (IOException ignored) {
                  // this end closed
                }
                queue.add(new Chunk(0, new byte[0]));
              },
              "link-" + name + "-read-" + side);
      Thread writer =
          new Thread(
              () -> {
                try (OutputStream out = to.getOutputStream()) {
                  while (true) {
                    Chunk chunk = queue.take();
                    if (chunk.bytes().length == 0) {
                      break;
                    }
                    long start;
                    synchronized (nextFree) {
                      start = Math.max(chunk.dueNanos(), nextFree[direction]);
                      nextFree[direction] =
                          Math.max(start, System.nanoTime())
                              + wallNanosFor(chunk.bytes().length, direction);
                    }
                    long wait = start - System.nanoTime();
                    if (wait > 0) {
                      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    if (!waitOutBlackhole(this)) {
                      break;
                    }
                    out.write(chunk.bytes());
                    out.flush();
                  }
                } catch (IOException | InterruptedException ignored) {
                  // closed
                }
                close();
              },
              "link-" + name + "-write-" + side);
      reader.setDaemon(true);
      writer.setDaemon(true);
      reader.start();
      writer.start();
    }

    void reset() {
      closed = true;
      resetQuietly(device);
      resetQuietly(broker);
    }

    void close() {
      closed = true;
      closeQuietly(device);
      closeQuietly(broker);
      connections.remove(this);
    }
  }

  @Override
  public void close() {
    open = false;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    controller.interrupt();
    connections.forEach(Connection::reset);
    connections.clear();
  }
}
