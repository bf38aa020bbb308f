// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback between the device and the broker that plays a thin link: each direction
 * carries at most {@code bitsPerSecond} (0: as fast as it can). It reads eagerly from both ends and
 * notes when each byte arrived, so the log shows what the device sent, not what the link let
 * through.
 */
public final class ThrottlingProxy implements AutoCloseable {
  /** Bytes read from one end at one moment; {@code up} is device to broker. */
  public record Chunk(long nanos, int bytes, boolean up) {}

  private final ServerSocket server;
  private final int targetPort;
  private final long bitsPerSecond;
  private final List<Chunk> log = new CopyOnWriteArrayList<>();
  private final List<Packet> upPackets = new CopyOnWriteArrayList<>();

  /**
   * One MQTT control packet the device sent, told apart by its fixed header.
   *
   * @param type the packet type (3 = PUBLISH)
   * @param bytes the whole packet
   * @param topicBytes for a PUBLISH, the length of its topic name (0 when an MQTT 5 alias stands
   *     for it)
   */
  public record Packet(int type, int bytes, int topicBytes) {}

  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean open = true;

  public ThrottlingProxy(int targetPort, long bitsPerSecond) throws IOException {
    this(0, targetPort, bitsPerSecond);
  }

  /**
   * @param listenPort the port to listen on; 0 for any free one
   */
  public ThrottlingProxy(int listenPort, int targetPort, long bitsPerSecond) throws IOException {
    this.targetPort = targetPort;
    this.bitsPerSecond = bitsPerSecond;
    this.server = new ServerSocket();
    this.server.setReuseAddress(true);
    this.server.bind(
        new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 50);
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return "tcp://127.0.0.1:" + port();
  }

  public List<Chunk> log() {
    return new ArrayList<>(log);
  }

  public List<Packet> upPackets() {
    return new ArrayList<>(upPackets);
  }

  public long bytes(boolean up) {
    return log.stream().filter(c -> c.up() == up).mapToLong(Chunk::bytes).sum();
  }

  /** The most bytes (both directions) seen in any window of {@code windowNanos}. */
  public long maxWindowBytes(long windowNanos) {
    List<Chunk> chunks = log();
    long max = 0;
    long sum = 0;
    int tail = 0;
    for (Chunk head : chunks) {
      sum += head.bytes();
      while (chunks.get(tail).nanos() <= head.nanos() - windowNanos) {
        sum -= chunks.get(tail++).bytes();
      }
      max = Math.max(max, sum);
    }
    return max;
  }

  private void accept() {
    while (open) {
      try {
        Socket device = server.accept();
        Socket broker = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(device);
        sockets.add(broker);
        pump(device, broker, true);
        pump(broker, device, false);
      } catch (IOException e) {
        if (open) {
          System.err.println("proxy: " + e.getMessage());
        }
      }
    }
  }

  private void pump(Socket from, Socket to, boolean up) {
    BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              byte[] buffer = new byte[4096];
              java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
              try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                  log.add(new Chunk(System.nanoTime(), n, up));
                  if (up) {
                    pending.write(buffer, 0, n);
                    byte[] rest = splitPackets(pending.toByteArray());
                    pending.reset();
                    pending.write(rest);
                  }
                  for (int i = 0; i < n; i += 32) {
                    queue.add(java.util.Arrays.copyOfRange(buffer, i, Math.min(n, i + 32)));
                  }
                }
              } catch (IOException ignored) {
                // the other side closed
              }
              queue.add(new byte[0]);
            },
            "proxy-read-" + (up ? "up" : "down"));
    Thread writer =
        new Thread(
            () -> {
              long nextFree = System.nanoTime();
              try (OutputStream out = to.getOutputStream()) {
                while (true) {
                  byte[] chunk = queue.take();
                  if (chunk.length == 0) {
                    break;
                  }
                  if (bitsPerSecond > 0) {
                    long now = System.nanoTime();
                    long start = Math.max(now, nextFree);
                    if (start > now) {
                      TimeUnit.NANOSECONDS.sleep(start - now);
                    }
                    nextFree = start + chunk.length * 8L * 1_000_000_000L / bitsPerSecond;
                  }
                  out.write(chunk);
                  out.flush();
                }
              } catch (IOException | InterruptedException ignored) {
                // closed
              }
              closeQuietly(to);
              closeQuietly(from);
            },
            "proxy-write-" + (up ? "up" : "down"));
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  /**
   * Records every complete packet at the start of {@code stream}; returns what is left of an
   * incomplete one.
   */
  private byte[] splitPackets(byte[] stream) {
    int pos = 0;
    while (pos + 2 <= stream.length) {
      int remaining = 0;
      int i = pos + 1;
      int shift = 0;
      boolean complete = false;
      while (i < stream.length && shift <= 21) {
        int b = stream[i++] & 0xff;
        remaining |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) == 0) {
          complete = true;
          break;
        }
      }
      if (!complete || i + remaining > stream.length) {
        break;
      }
      int type = (stream[pos] & 0xff) >> 4;
      int topic = type == 3 ? ((stream[i] & 0xff) << 8) | (stream[i + 1] & 0xff) : 0;
      upPackets.add(new Packet(type, i + remaining - pos, topic));
      pos = i + remaining;
    }
    return java.util.Arrays.copyOfRange(stream, pos, stream.length);
  }

  /** Cuts every connection through the proxy, as a dropped link would. */
  public void cutAll() {
    sockets.forEach(ThrottlingProxy::closeQuietly);
    sockets.clear();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
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
    cutAll();
  }
}
