// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LinkSimulatorTest {
  private ServerSocket echo;

  /** The far end: echoes whatever arrives. */
  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!echo.isClosed()) {
                try {
                  Socket s = echo.accept();
                  Thread pump =
                      new Thread(
                          () -> {
                            try (s;
                                InputStream in = s.getInputStream();
                                OutputStream out = s.getOutputStream()) {
                              in.transferTo(out);
                            } catch (IOException ignored) {
                              // peer gone
                            }
                          });
                  pump.setDaemon(true);
                  pump.start();
                } catch (IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stopEcho() throws IOException {
    echo.close();
  }

  private LinkSimulator link(LinkProfile profile, SimClock clock) throws IOException {
    return new LinkSimulator("test", profile, clock, "127.0.0.1", echo.getLocalPort());
  }

  private static Socket connect(LinkSimulator link) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), link.port());
    s.setSoTimeout(20_000);
    return s;
  }

  private static byte[] readFully(InputStream in, int n) throws IOException {
    byte[] out = in.readNBytes(n);
    assertEquals(n, out.length, "bytes echoed");
    return out;
  }

  @Test
  void anAsymmetricLinkCapsTheUplinkAlone() throws Exception {
    // 8,000 bit/s up = 1,000 B/s, the downlink uncapped: 4,000 bytes (the first 1 kB chunk goes at
    // once) cannot
    // come back in under 3 s.
    try (LinkSimulator link = link(new LinkProfile(0, 8_000, 0, 0, List.of()), new SimClock(1))) {
      byte[] data = new byte[4_000];
      new Random(2).nextBytes(data);
      try (Socket s = connect(link)) {
        long start = System.nanoTime();
        s.getOutputStream().write(data);
        assertArrayEquals(data, readFully(s.getInputStream(), data.length));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds >= 2.6, "4,000 B over 1,000 B/s took only " + seconds + " s");
      }
      assertEquals(4_000, link.bytes(true));
      assertEquals(4_000, link.bytes(false));
    }
    assertEquals(2_400, new LinkProfile(9_600, 2_400, 0, 0, List.of()).bitsPerSecond(true));
    assertEquals(9_600, new LinkProfile(9_600, 2_400, 0, 0, List.of()).bitsPerSecond(false));
    assertEquals(9_600, new LinkProfile(9_600, 0, 0, List.of()).bitsPerSecond(true));
  }

  @Test
  void bandwidthCapHoldsEachWayAndTheLedgerCountsWhatEachEndSent() throws Exception {
    // 40 kbit/s = 5,000 B/s each way; 15,000 bytes cannot come back in under 3 s.
    try (LinkSimulator link = link(new LinkProfile(40_000, 0, 0, List.of()), new SimClock(1))) {
      byte[] data = new byte[15_000];
      new Random(1).nextBytes(data);
      try (Socket s = connect(link)) {
        long start = System.nanoTime();
        s.getOutputStream().write(data);
        byte[] back = readFully(s.getInputStream(), data.length);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertArrayEquals(data, back);
        assertTrue(seconds >= 2.6, "15,000 B over 5,000 B/s took only " + seconds + " s");
      }
      assertEquals(15_000, link.bytes(true));
      assertEquals(15_000, link.bytes(false));
    }
  }

  @Test
  void latencyDelaysEveryByteAndJitterKeepsOrder() throws Exception {
    try (LinkSimulator link = link(new LinkProfile(0, 300, 100, List.of()), new SimClock(1))) {
      try (Socket s = connect(link)) {
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
          s.getOutputStream().write(i);
          s.getOutputStream().flush();
          Thread.sleep(2);
        }
        byte[] back = readFully(s.getInputStream(), 50);
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < 50; i++) {
          assertEquals(i, back[i], "byte order after jitter");
        }
        // There and back: at least twice the latency.
        assertTrue(seconds >= 0.6, "round trip took only " + seconds + " s");
      }
    }
  }

  @Test
  void aCutResetsConnectionsRefusesNewOnesAndEndsOnTimeInScenarioSeconds() throws Exception {
    // Speed 20: the outage from scenario second 20 to 60 is wall 1 s to 3 s.
    SimClock clock = new SimClock(20);
    LinkProfile profile =
        new LinkProfile(
            0, 0, 0, List.of(new LinkProfile.Outage(20, 60, LinkProfile.OutageMode.CUT)));
    try (LinkSimulator link = link(profile, clock)) {
      Socket before = connect(link);
      before.getOutputStream().write(1);
      assertEquals(1, before.getInputStream().read());
      clock.sleepUntil(25);
      assertThrows(
          IOException.class,
          () -> {
            before.getOutputStream().write(2);
            before.getOutputStream().flush();
            int read = before.getInputStream().read();
            if (read < 0) {
              throw new IOException("closed");
            }
          },
          "the connection open at the cut is reset");
      before.close();
      try (Socket during = connect(link)) {
        int read;
        try {
          during.getOutputStream().write(3);
          read = during.getInputStream().read();
        } catch (IOException e) {
          read = -1;
        }
        assertEquals(-1, read, "a connection made during the cut carries nothing");
      }
      clock.sleepUntil(61);
      try (Socket after = connect(link)) {
        after.getOutputStream().write(4);
        assertEquals(4, after.getInputStream().read());
      }
      assertEquals(1, link.counts().cuts());
      assertTrue(link.counts().refused() >= 1);
    }
  }

  @Test
  void aBlackHoleHoldsBytesUntilItEnds() throws Exception {
    SimClock clock = new SimClock(10);
    LinkProfile profile =
        new LinkProfile(
            0, 0, 0, List.of(new LinkProfile.Outage(5, 25, LinkProfile.OutageMode.BLACKHOLE)));
    try (LinkSimulator link = link(profile, clock);
        Socket s = connect(link)) {
      clock.sleepUntil(6);
      s.getOutputStream().write(7);
      s.setSoTimeout(1_000);
      assertThrows(
          SocketTimeoutException.class,
          () -> s.getInputStream().read(),
          "nothing crosses a black hole");
      s.setSoTimeout(20_000);
      assertEquals(7, s.getInputStream().read(), "held bytes arrive after the outage");
      assertTrue(clock.seconds() >= 25, "arrived at scenario second " + clock.seconds());
      assertEquals(0, link.counts().cuts());
    }
  }

  @Test
  void theLedgerFindsTheBusiestWindow() throws Exception {
    SimClock clock = new SimClock(10);
    try (LinkSimulator link = link(LinkProfile.OPEN, clock);
        Socket s = connect(link)) {
      s.getOutputStream().write(new byte[100]);
      readFully(s.getInputStream(), 100);
      clock.sleepUntil(15);
      s.getOutputStream().write(new byte[300]);
      readFully(s.getInputStream(), 300);
      // Far apart in scenario time: no 10 s window holds both bursts.
      assertEquals(600, link.maxWindowBytes(10));
      assertEquals(800, link.maxWindowBytes(20));
    }
  }

  @Test
  void profilesRefuseOverlapsAndNegativeValues() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new LinkProfile(
                0,
                0,
                0,
                List.of(
                    new LinkProfile.Outage(0, 10, LinkProfile.OutageMode.CUT),
                    new LinkProfile.Outage(5, 20, LinkProfile.OutageMode.CUT))));
    assertThrows(IllegalArgumentException.class, () -> new LinkProfile(-1, 0, 0, List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LinkProfile.Outage(10, 10, LinkProfile.OutageMode.CUT));
    assertThrows(IllegalArgumentException.class, () -> LinkProfile.mode("flaky"));
  }
}
