// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What kind of source a configured URI names. */
record SourceUri(Kind kind, String target, int deviceIndex) {
  enum Kind {
    V4L2_DEVICE,
    NETWORK,
    FILE
  }

  private static final Pattern DEVICE = Pattern.compile("(?:v4l2:|/dev/video)(\\d{1,3})");
  private static final Pattern NETWORK =
      Pattern.compile("(?i)(rtsps?|https?|rtmps?|udp|tcp|srt)://.+");

  static SourceUri parse(String uri) {
    String trimmed = uri.trim();
    if (trimmed.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      // ffmpeg reads a URI with credentials from a script on its stdin, where a line break would
      // start a directive.
      throw new IllegalArgumentException(
          "source '"
              + org.watchpost.api.frame.SourceUris.redact(trimmed).replaceAll("\\p{Cntrl}", "?")
              + "' contains control characters");
    }
    Matcher device = DEVICE.matcher(trimmed);
    if (device.matches()) {
      return new SourceUri(Kind.V4L2_DEVICE, trimmed, Integer.parseInt(device.group(1)));
    }
    if (NETWORK.matcher(trimmed).matches()) {
      return new SourceUri(Kind.NETWORK, trimmed, -1);
    }
    if (trimmed.toLowerCase(Locale.ROOT).startsWith("file:")) {
      try {
        return new SourceUri(Kind.FILE, Path.of(URI.create(trimmed)).toString(), -1);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "malformed file URI '"
                + org.watchpost.api.frame.SourceUris.redact(uri)
                + "': "
                + org.watchpost.api.frame.SourceUris.redactText(e.getMessage(), uri),
            e);
      }
    }
    if (trimmed.matches("(?i)[a-z][a-z0-9+.-]*://.*")) {
      throw new IllegalArgumentException(
          "unsupported source '"
              + org.watchpost.api.frame.SourceUris.redact(uri)
              + "': use a file path, /dev/videoN, v4l2:N, rtsp://, http(s)://, rtmp://, udp://, tcp:// or srt://");
    }
    return new SourceUri(Kind.FILE, Path.of(trimmed).toAbsolutePath().normalize().toString(), -1);
  }
}
