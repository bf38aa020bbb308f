// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The demo's sample clip: vtest, a campus CCTV scene from OpenCV's sample data. On the build
 * machine it is in ../shared/data/video; on a user's clone it is downloaded once from OpenCV's
 * repository and checked against the SHA-256 of the same file as Debian ships it.
 */
final class SampleClip {
  static final String URL =
      "https://raw.githubusercontent.com/opencv/opencv/4.x/samples/data/vtest.avi";
  static final String SHA256 = "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf";

  /** The clip is 8 MB; anything much larger is not it. */
  private static final long MAX_BYTES = 64L * 1024 * 1024;

  private SampleClip() {}

  /**
   * @return the clip to run, or empty with the reason printed
   */
  static Optional<Path> locate() {
    Path mjpeg = Home.shared().resolve("data/video/vtest-mjpeg.avi");
    if (Files.isReadable(mjpeg)) {
      return Optional.of(mjpeg);
    }
    Path cached = Home.var("cache").resolve("vtest.avi");
    if (Files.isReadable(cached) && SHA256.equals(sha256(cached))) {
      return Optional.of(cached);
    }
    System.out.println("demo: fetching the sample clip " + URL);
    try {
      Path partial = cached.resolveSibling("vtest.avi.partial");
      HttpClient client =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(20))
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
      HttpResponse<InputStream> response =
          client.send(
              HttpRequest.newBuilder(URI.create(URL)).timeout(Duration.ofMinutes(5)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      try (InputStream in = response.body();
          OutputStream out = Files.newOutputStream(partial)) {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
          total += n;
          if (total > MAX_BYTES) {
            throw new IOException("the download is larger than " + MAX_BYTES + " bytes");
          }
          out.write(buffer, 0, n);
        }
      }
      String actual = sha256(partial);
      if (!SHA256.equals(actual)) {
        Files.deleteIfExists(partial);
        System.err.println(
            "demo: the downloaded clip has SHA-256 "
                + actual
                + ", expected "
                + SHA256
                + "; not used.");
        return Optional.empty();
      }
      Files.move(
          partial, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return Optional.of(cached);
    } catch (IOException e) {
      System.err.println(
          "demo: no sample clip: "
              + mjpeg
              + " is not here and "
              + URL
              + " could not be downloaded ("
              + e.getMessage()
              + ").\n      Point the demo at a camera or a file: ./watchpost demo --source rtsp://camera/stream"
              + " | --source /dev/video0 | --source clip.mp4");
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static String sha256(Path file) {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
