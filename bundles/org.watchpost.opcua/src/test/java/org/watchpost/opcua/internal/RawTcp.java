// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A client that writes OPC UA TCP frames by hand (Part 6, 7.1), for hostile input the Milo client
 * never sends.
 */
final class RawTcp {
  private RawTcp() {}

  static byte[] hello(int port, int urlLength) {
    byte[] url = ("opc.tcp://localhost:" + port + "/watchpost").getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(32 + url.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put("HELF".getBytes(StandardCharsets.US_ASCII))
        .putInt(32 + url.length)
        .putInt(0)
        .putInt(65535)
        .putInt(65535)
        .putInt(0)
        .putInt(0)
        .putInt(urlLength)
        .put(url);
    return b.array();
  }

  /** The 8-byte header of a chunk that claims {@code size} bytes, followed by a little of them. */
  static byte[] chunkHeader(String type, int size) {
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    b.put((type + "F").getBytes(StandardCharsets.US_ASCII))
        .putInt(size)
        .putInt(1)
        .putInt(1)
        .putInt(1)
        .putInt(1);
    return b.array();
  }

  /**
   * Sends the bytes on a fresh connection and returns the error code of the server's ERR message.
   */
  static long errorOf(int port, byte[] bytes) throws IOException {
    try (Socket socket = open(port)) {
      socket.getOutputStream().write(bytes);
      return readError(socket.getInputStream());
    }
  }

  static long errorAfterHello(int port, byte[] bytes) throws IOException {
    try (Socket socket = open(port)) {
      acknowledged(socket, port);
      socket.getOutputStream().write(bytes);
      return readError(socket.getInputStream());
    }
  }

  /** Sends a good Hello, then the bytes; waits until the server answers or closes, at most 5 s. */
  static void afterHello(int port, byte[] bytes) throws IOException {
    try (Socket socket = open(port)) {
      acknowledged(socket, port);
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      socket.shutdownOutput();
      drain(socket.getInputStream());
    }
  }

  static boolean closes(int port, byte[] bytes) throws IOException {
    try (Socket socket = open(port)) {
      socket.getOutputStream().write(bytes);
      drain(socket.getInputStream());
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  private static Socket open(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(5_000);
    return socket;
  }

  private static void acknowledged(Socket socket, int port) throws IOException {
    socket
        .getOutputStream()
        .write(hello(port, ("opc.tcp://localhost:" + port + "/watchpost").length()));
    DataInputStream in = new DataInputStream(socket.getInputStream());
    byte[] header = new byte[8];
    in.readFully(header);
    String type = new String(header, 0, 4, StandardCharsets.US_ASCII);
    if (!type.equals("ACKF")) {
      throw new IOException("expected ACK, got " + type);
    }
    int size = ByteBuffer.wrap(header, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    in.readFully(new byte[size - 8]);
  }

  private static long readError(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    byte[] header = new byte[12];
    try {
      in.readFully(header);
    } catch (EOFException e) {
      return -1;
    }
    String type = new String(header, 0, 4, StandardCharsets.US_ASCII);
    if (!type.equals("ERRF")) {
      throw new IOException("expected ERR, got " + type);
    }
    long code = ByteBuffer.wrap(header, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    drain(stream);
    return code;
  }

  private static void drain(InputStream in) throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      sink.write(buffer, 0, n);
      if (sink.size() > 1 << 20) {
        throw new IOException("the server keeps talking");
      }
    }
  }
}
