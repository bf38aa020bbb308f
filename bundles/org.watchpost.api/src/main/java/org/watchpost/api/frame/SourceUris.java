// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place where a camera source URI is made fit to be shown: every URI (and every text that
 * may quote one, such as ffmpeg's error output) passes through here before it is logged, put in a
 * status or an alarm, published or printed. Credentials become {@value #MASK}: the user-info of a
 * URL ({@code rtsp://user:pw@host} gives {@code rtsp://***@host}) and the value of password-like
 * query parameters ({@code ?pwd=...}).
 *
 * <p>The user name goes too: for many cameras it is {@code admin}, and together with the host it
 * tells an attacker which accounts exist. The host, port and path stay, since they are what an
 * operator needs to find the camera.
 */
public final class SourceUris {
  /** What a credential is replaced with. */
  public static final String MASK = "***";

  /**
   * Shortest secret that is also looked for as bare text: a shorter one would mask unrelated
   * characters all over a message, and still appears masked inside every URL.
   */
  static final int MIN_BARE_SECRET = 3;

  /**
   * A URL's user-info: scheme, "://", then everything up to the last '@' before the path. The '@'
   * search stops at white space, '/', '?', '#', quotes and angle brackets, which end a URL quoted
   * in a message. Greedy over one character class, so it backtracks in a loop, never in recursion
   * (a repeated group overflowed the stack on 50,000 '@').
   */
  private static final Pattern USER_INFO =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]{0,31}://)[^\\s/?#'\"<>]*@");

  /**
   * Query or matrix parameters that carry a secret in cameras' URLs (Axis, Hikvision, Dahua, ONVIF
   * snapshots).
   */
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile(
          "(?i)([?&;](?:password|passwd|pass|pwd|psw|passphrase|token|access_token|auth|authorization|secret|key|api_key"
              + "|apikey|sig|signature)=)[^&#;\\s'\"<>]*");

  /**
   * A whole URI's scheme and authority: the user-info is whatever precedes the authority's last
   * '@'.
   */
  private static final Pattern WHOLE_URI =
      Pattern.compile("(?i)([a-z][a-z0-9+.-]{0,31}://)([^/?#]*)");

  private SourceUris() {}

  /**
   * A source URI fit to be shown.
   *
   * @param uri any source: URL, device or path; null gives "null"
   * @return the URI with user-info and password-like query parameters replaced by {@value #MASK}
   */
  public static String redact(String uri) {
    if (uri == null) {
      return "null";
    }
    String masked = uri;
    String info = userInfo(uri);
    if (info != null) {
      // A URI on its own: its user-info may hold any character (a quote, a space), so it is cut by
      // position.
      int start = uri.indexOf("://") + 3;
      masked = uri.substring(0, start) + MASK + uri.substring(start + info.length());
    }
    masked =
        USER_INFO
            .matcher(masked)
            .replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK + "@"));
    return SECRET_PARAMETER
        .matcher(masked)
        .replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
  }

  /**
   * The user-info of a text that is one URI (scheme first), without its '@'; null if it has none.
   */
  private static String userInfo(String uri) {
    Matcher whole = WHOLE_URI.matcher(uri);
    if (!whole.lookingAt()) {
      return null;
    }
    int at = whole.group(2).lastIndexOf('@');
    return at < 0 ? null : whole.group(2).substring(0, at);
  }

  /**
   * A free text (an error message, a child process's output) fit to be shown: every URL in it
   * redacted as by {@link #redact(String)}, and the credentials of {@code knownUri}, when it has
   * any, masked wherever they occur on their own (ffmpeg, for one, sometimes quotes a URL decoded
   * or in pieces).
   *
   * @param text the text, may be null
   * @param knownUri the source the text is about, whose secrets are masked also as bare words; may
   *     be null
   */
  public static String redactText(String text, String knownUri) {
    if (text == null) {
      return null;
    }
    String masked = redact(text);
    for (String secret : secrets(knownUri)) {
      masked = masked.replace(secret, MASK);
    }
    return masked;
  }

  /**
   * {@link #redactText(String, String)} without a known source: only what looks like a credential
   * in a URL.
   */
  public static String redactText(String text) {
    return redactText(text, null);
  }

  /**
   * True when the URI carries a credential that {@link #redact(String)} would mask, so that whoever
   * passes it to another program knows to keep it off that program's command line.
   */
  public static boolean hasCredentials(String uri) {
    return uri != null && !redact(uri).equals(uri);
  }

  /**
   * The secrets in a URI, raw and percent-decoded, longest first, each at least {@value
   * #MIN_BARE_SECRET} long.
   */
  static Set<String> secrets(String uri) {
    Set<String> found = new LinkedHashSet<>();
    if (uri == null) {
      return found;
    }
    String info = userInfo(uri);
    if (info != null) {
      int colon = info.indexOf(':');
      addSecret(found, colon >= 0 ? info.substring(colon + 1) : info);
      addSecret(found, info);
    }
    Matcher parameter = SECRET_PARAMETER.matcher(uri);
    while (parameter.find()) {
      addSecret(found, uri.substring(parameter.end(1), parameter.end()));
    }
    return found.stream()
        .sorted((a, b) -> Integer.compare(b.length(), a.length()))
        .collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
  }

  private static void addSecret(Set<String> found, String secret) {
    if (secret.length() >= MIN_BARE_SECRET) {
      found.add(secret);
      String decoded = decode(secret);
      if (decoded.length() >= MIN_BARE_SECRET) {
        found.add(decoded);
      }
    }
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text;
    }
  }
}
