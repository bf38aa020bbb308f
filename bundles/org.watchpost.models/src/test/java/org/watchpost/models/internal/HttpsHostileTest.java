// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.protocol.ModelProtocol.Status;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TinyOnnx;

/**
 * Issue 12, items 7 and 8 over HTTPS: a server that trickles a byte now and then is cut by the rate
 * window and the job ends within its budget; a URL to an internal address is never fetched and the
 * requester learns only that the URL is not allowed; a paced download keeps to its downlink budget.
 */
class HttpsHostileTest {
  private static final Set<Status> END =
      Set.of(Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK);

  private static Path bigPackage(Path dir, KeyPair key, String version, int filler)
      throws Exception {
    Path model = Fixtures.tinyModel(dir.resolve("v" + version), version, TinyOnnx.onePerson());
    byte[] calibration = new byte[filler];
    new Random(3).nextBytes(calibration);
    Files.write(dir.resolve("v" + version + "/calibration.bin"), calibration);
    Path pkg = dir.resolve("v" + version + ".zip");
    new PackageBuilder(model)
        .file("calibration.bin", dir.resolve("v" + version + "/calibration.bin"))
        .build(pkg, key.getPrivate(), key.getPublic());
    return pkg;
  }

  private static Request put(Path pkg, String job, String url) throws Exception {
    return new Request(
        "MODEL-V1",
        "PUT",
        List.of("package"),
        "r-" + job,
        "console",
        Map.of(
            "job.id",
            job,
            "package.sha256",
            ModelPackage.sha256Of(pkg),
            "package.size",
            Files.size(pkg),
            "transport",
            "https",
            "url",
            url),
        null);
  }

  @Test
  void aTricklingServerIsCutAndAPacedDownloadKeepsToItsBudget() throws Exception {
    Path dir = SharedData.scratchDirectory("models-https-trickle");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    Path pkg = bigPackage(dir, key, "2.0.0", 1 << 20);
    try (PackageServer server = new PackageServer(dir.resolve("https"), pkg, 0);
        TestDevice device =
            new TestDevice(
                dir.resolve("state"),
                factory,
                dir.resolve("keys"),
                Map.of(
                    "https_ca_file",
                    server.caFile().toString(),
                    "transfer_attempts",
                    2,
                    "https_timeout_s",
                    2,
                    "https_min_bytes_per_s",
                    4096,
                    "https_rate_window_s",
                    1,
                    "https_downlink_bits_per_s",
                    8L * 512 * 1024),
                s -> s)) {
      // One byte every 200 ms: never idle for long, far below the minimum rate.
      server.trickle(200);
      long t0 = System.nanoTime();
      assertEquals(200, device.handle(put(pkg, "trickle-1", server.url())).code());
      Notification failed = device.await("trickle-1", END, 30_000);
      long cutMillis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals("FAILED", failed.metrics().get("status"), failed.toString());
      String message = String.valueOf(failed.metrics().get("message"));
      assertTrue(message.contains("2 attempts"), message);
      System.out.printf(
          "https trickle: job failed after %d ms, %d bytes trickled; reported '%s'%n",
          cutMillis, server.bytesServed, message);

      server.trickle(0);
      long served = server.bytesServed;
      long t1 = System.nanoTime();
      assertEquals(200, device.handle(put(pkg, "paced-1", server.url())).code());
      // The download ends where verification starts.
      long deadline = System.currentTimeMillis() + 60_000;
      while (device
              .channel
              .installs(
                  n ->
                      "paced-1".equals(n.metrics().get("job.id"))
                          && !"DOWNLOADING".equals(n.metrics().get("status")))
              .isEmpty()
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      double seconds = (System.nanoTime() - t1) / 1e9;
      Notification done = device.await("paced-1", END, 60_000);
      assertEquals("COMPLETED", done.metrics().get("status"), done.toString());
      double rate = Files.size(pkg) / seconds;
      System.out.printf(
          "https paced: %d bytes in %.2f s, %.0f bytes/s against a budget of %d%n",
          Files.size(pkg), seconds, rate, 512 * 1024);
      assertTrue(rate < 2 * 512 * 1024, "paced: " + rate + " bytes/s");
    }
    // Issue 19: the download watchdog belongs to the manager and stops with it.
    long deadline = System.currentTimeMillis() + 10_000;
    while (watchdogs() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, watchdogs(), "no download watchdog thread outlives its manager");
  }

  /**
   * The rate window cuts a connection from the watchdog's thread while the download thread is
   * blocked reading it. Closing a TLS 1.3 socket gracefully takes the socket's read lock, which the
   * blocked reader holds: the watchdog waited in the close until the read timed out, and with a
   * byte every 200 ms (HostileFleetTest, on a loaded machine) the reader took the lock back every
   * time and the download was never given up. Here the server stalls after its first byte and the
   * read timeout is far away: only a cut that does not wait for the reader ends the attempts before
   * it.
   */
  @Test
  void aStalledServerIsCutByTheRateWindowNotTheReadTimeout() throws Exception {
    Path dir = SharedData.scratchDirectory("models-https-stall");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    Path pkg = bigPackage(dir, key, "2.0.0", 1 << 20);
    int readTimeoutSeconds = 120;
    try (PackageServer server = new PackageServer(dir.resolve("https"), pkg, 0);
        TestDevice device =
            new TestDevice(
                dir.resolve("state"),
                factory,
                dir.resolve("keys"),
                Map.of(
                    "https_ca_file",
                    server.caFile().toString(),
                    "transfer_attempts",
                    2,
                    "https_timeout_s",
                    readTimeoutSeconds,
                    "https_min_bytes_per_s",
                    4096,
                    "https_rate_window_s",
                    1),
                s -> s)) {
      // One byte, then nothing for longer than the read timeout.
      server.trickle(10L * readTimeoutSeconds * 1000);
      long t0 = System.nanoTime();
      assertEquals(200, device.handle(put(pkg, "stall-1", server.url())).code());
      // Two attempts cut by the rate window and the backoff between them take seconds; one read
      // timeout alone
      // would take 120 s.
      Notification failed = device.await("stall-1", END, readTimeoutSeconds * 1000 / 2);
      assertEquals("FAILED", failed.metrics().get("status"), failed.toString());
      System.out.printf(
          "https stall: job failed after %d ms (read timeout %d s)%n",
          (System.nanoTime() - t0) / 1_000_000, readTimeoutSeconds);
    }
  }

  private static long watchdogs() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals("models-download-watchdog"))
        .count();
  }

  @Test
  void aUrlToAnInternalAddressIsNeverFetchedAndTheReplyGivesNothingAway() throws Exception {
    Path dir = SharedData.scratchDirectory("models-https-internal");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    Path pkg = bigPackage(dir, key, "2.0.0", 1024);
    try (PackageServer server = new PackageServer(dir.resolve("https"), pkg, 0);
        TestDevice device =
            new TestDevice(
                dir.resolve("state"),
                factory,
                dir.resolve("keys"),
                Map.of("https_ca_file", server.caFile().toString(), "https_allowed_hosts", ""),
                s -> s)) {
      int port = Integer.parseInt(server.url().replaceAll(".*:(\\d+)/.*", "$1"));
      int job = 0;
      for (String url :
          List.of(
              server.url(),
              "https://localhost:" + port + "/package.zip",
              "https://[::1]:" + port + "/package.zip",
              "https://169.254.169.254/latest/meta-data",
              "https://10.0.0.1/package.zip",
              "https://user:pw@example.org/package.zip")) {
        String id = "internal-" + (++job);
        assertEquals(200, device.handle(put(pkg, id, url)).code());
        Notification n = device.await(id, END, 30_000);
        assertEquals("url_refused", n.metrics().get("reason"), url + ": " + n);
        String message = String.valueOf(n.metrics().get("message"));
        assertFalse(
            message.contains("127.0.0.1")
                || message.contains("loopback")
                || message.contains("169.254")
                || message.contains("refused:")
                || message.contains("10.0.0.1"),
            message);
      }
      assertTrue(server.rangeStarts.isEmpty(), "the server was never asked: " + server.rangeStarts);
      Map<String, Object> health = device.manager.snapshot();
      assertEquals((long) job, health.get("urls_refused"), health.toString());
      System.out.println(
          "https internal: "
              + job
              + " URLs refused; health last_refusal '"
              + health.get("last_refusal")
              + "'");
    }
  }

  @Test
  void everyKindOfInternalAddressIsRecognised() throws Exception {
    for (String internal :
        List.of(
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "fe80::1",
            "fd00::1",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::ffff:127.0.0.1")) {
      assertNotNull(HttpsDownload.internal(InetAddress.getByName(internal)), internal);
    }
    for (String external :
        List.of("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8")) {
      assertEquals(null, HttpsDownload.internal(InetAddress.getByName(external)), external);
    }
  }
}
