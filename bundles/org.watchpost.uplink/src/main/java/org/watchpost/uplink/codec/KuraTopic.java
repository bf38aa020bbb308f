// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import java.util.Objects;

/**
 * Topics in the Kura namespace as Watchpost uses them: data at {@code
 * {account}/{clientId}/wp/{kind}/{subject}}, control at {@code
 * $EDC/{account}/{clientId}/MQTT/{BIRTH|DC|LWT}}.
 *
 * @param account the account (tenant) the device belongs to
 * @param clientId the device's MQTT client id
 * @param kind what the topic carries
 * @param subject the camera id or {@code device} for data topics; empty for control topics
 */
public record KuraTopic(String account, String clientId, Kind kind, String subject) {
  /** The control prefix Kura uses for the device lifecycle and remote requests. */
  public static final String CONTROL_PREFIX = "$EDC";

  /** The application segment of Watchpost's data topics. */
  public static final String APPLICATION = "wp";

  /** Longest topic this parser reads; MQTT allows 65,535 bytes, nothing here comes near. */
  public static final int MAX_LENGTH = 1024;

  /**
   * Longest topic level: a client id, an app id, a request id (a UUID is 36) or a camera id.
   * Together with {@link #MAX_LEVELS} it keeps every topic the device builds far under {@link
   * #MAX_LENGTH}.
   */
  public static final int MAX_LEVEL_LENGTH = 64;

  /**
   * Most levels in a topic: a NOTIFY is 7 ($EDC, account, client, app, NOTIFY, requester,
   * resource).
   */
  public static final int MAX_LEVELS = 12;

  /** What a topic carries; {@link #key()} names it in summaries and monitor lines. */
  public enum Kind {
    EVENTS("events"),
    COUNTS("counts"),
    HEALTH("health"),
    BIRTH("birth"),
    DISCONNECT("dc"),
    LAST_WILL("lwt"),
    /**
     * A remote command's topic in a device's control namespace, {@code
     * $EDC/{account}/{clientId}/{subject}} with subject {@code
     * {appId}/{GET|PUT|EXEC|REPLY|NOTIFY}/...}.
     */
    CONTROL("control"),
    /** A topic in the device's namespace that Watchpost does not define. */
    OTHER("other");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  public KuraTopic {
    requireSegment("account", account);
    requireSegment("clientId", clientId);
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(subject, "subject");
  }

  public static KuraTopic events(String account, String clientId, String cameraId) {
    return new KuraTopic(account, clientId, Kind.EVENTS, segment(cameraId));
  }

  public static KuraTopic counts(String account, String clientId, String cameraId) {
    return new KuraTopic(account, clientId, Kind.COUNTS, segment(cameraId));
  }

  public static KuraTopic health(String account, String clientId, String subject) {
    return new KuraTopic(account, clientId, Kind.HEALTH, segment(subject));
  }

  /**
   * A remote command's topic: {@code $EDC/{account}/{clientId}/{appId}/{levels...}}.
   *
   * @throws IllegalArgumentException when a level is not valid (see {@link #levelProblem})
   */
  public static KuraTopic application(
      String account, String clientId, String appId, String... levels) {
    StringBuilder subject = new StringBuilder();
    requireSegment("appId", appId);
    subject.append(appId);
    for (String level : levels) {
      requireSegment("topic level", level);
      subject.append('/').append(level);
    }
    return new KuraTopic(account, clientId, Kind.CONTROL, subject.toString());
  }

  public static KuraTopic control(String account, String clientId, Kind kind) {
    if (kind != Kind.BIRTH && kind != Kind.DISCONNECT && kind != Kind.LAST_WILL) {
      throw new IllegalArgumentException(kind + " is not a control topic");
    }
    return new KuraTopic(account, clientId, kind, "");
  }

  /**
   * A camera id or subject made safe as one topic level: every character outside {@code
   * [A-Za-z0-9._:-]} becomes {@code _}, and it is cut to {@link #MAX_LEVEL_LENGTH}.
   */
  public static String segment(String raw) {
    Objects.requireNonNull(raw, "topic segment");
    if (raw.isEmpty()) {
      return "_";
    }
    StringBuilder safe = new StringBuilder(Math.min(raw.length(), MAX_LEVEL_LENGTH));
    for (int i = 0; i < raw.length() && safe.length() < MAX_LEVEL_LENGTH; i++) {
      char c = raw.charAt(i);
      safe.append(allowed(c) ? c : '_');
    }
    return safe.toString();
  }

  private static boolean allowed(char c) {
    return c >= 'a' && c <= 'z'
        || c >= 'A' && c <= 'Z'
        || c >= '0' && c <= '9'
        || c == '.'
        || c == '_'
        || c == ':'
        || c == '-';
  }

  /**
   * Why a string cannot be one topic level of the device's namespace, or null when it can: 1 to
   * {@value #MAX_LEVEL_LENGTH} characters of {@code [A-Za-z0-9._:-]}. Anything else (a control
   * character, a wildcard, a non-ASCII character some client libraries refuse to encode) would make
   * a topic that a broker or client may refuse, or that matches more than it names.
   */
  public static String levelProblem(String level) {
    if (level == null || level.isEmpty()) {
      return "an empty topic level";
    }
    if (level.length() > MAX_LEVEL_LENGTH) {
      return "a topic level of " + level.length() + " characters, more than " + MAX_LEVEL_LENGTH;
    }
    for (int i = 0; i < level.length(); i++) {
      char c = level.charAt(i);
      if (!allowed(c)) {
        return String.format(
            java.util.Locale.ROOT,
            "the character U+%04X at %d of a topic level (only A-Z a-z 0-9 . _ : -)",
            (int) c,
            i);
      }
    }
    return null;
  }

  /** Whether a string is one valid topic level (see {@link #levelProblem}). */
  public static boolean isLevel(String level) {
    return levelProblem(level) == null;
  }

  /**
   * Why the device must not publish to or act on this topic, or null when every level is valid, the
   * first level may also be {@value #CONTROL_PREFIX}, and there are at most {@value #MAX_LEVELS}
   * levels.
   */
  public static String topicProblem(String topic) {
    if (topic == null || topic.isEmpty()) {
      return "an empty topic";
    }
    if (topic.length() > MAX_LENGTH) {
      return "a topic of " + topic.length() + " characters, more than " + MAX_LENGTH;
    }
    String[] levels = topic.split("/", -1);
    if (levels.length > MAX_LEVELS) {
      return "a topic of " + levels.length + " levels, more than " + MAX_LEVELS;
    }
    for (int i = 0; i < levels.length; i++) {
      if (i == 0 && levels[0].equals(CONTROL_PREFIX)) {
        continue;
      }
      String problem = levelProblem(levels[i]);
      if (problem != null) {
        return problem + " (level " + (i + 1) + ")";
      }
    }
    return null;
  }

  /** The MQTT topic string. */
  public String topic() {
    return switch (kind) {
      case BIRTH -> control("BIRTH");
      case DISCONNECT -> control("DC");
      case LAST_WILL -> control("LWT");
      case OTHER -> account + "/" + clientId + "/" + subject;
      case CONTROL -> CONTROL_PREFIX + "/" + account + "/" + clientId + "/" + subject;
      default -> account + "/" + clientId + "/" + APPLICATION + "/" + kind.key() + "/" + subject;
    };
  }

  private String control(String what) {
    return CONTROL_PREFIX + "/" + account + "/" + clientId + "/MQTT/" + what;
  }

  /**
   * Reads a topic that arrived from a broker.
   *
   * @return the topic, or null when it is not in a device's Kura namespace or breaks {@link
   *     #topicProblem}
   */
  public static KuraTopic parse(String topic) {
    if (topicProblem(topic) != null) {
      return null;
    }
    String[] levels = topic.split("/", -1);
    if (levels[0].equals(CONTROL_PREFIX)) {
      if (levels.length >= 5 && !levels[3].equals("MQTT")) {
        return new KuraTopic(
            levels[1],
            levels[2],
            Kind.CONTROL,
            topic.substring(levels[0].length() + levels[1].length() + levels[2].length() + 3));
      }
      if (levels.length != 5 || !levels[3].equals("MQTT")) {
        return null;
      }
      Kind kind =
          switch (levels[4]) {
            case "BIRTH" -> Kind.BIRTH;
            case "DC" -> Kind.DISCONNECT;
            case "LWT" -> Kind.LAST_WILL;
            default -> null;
          };
      return kind == null ? null : new KuraTopic(levels[1], levels[2], kind, "");
    }
    if (levels.length < 3) {
      return null;
    }
    if (levels.length == 5 && levels[2].equals(APPLICATION)) {
      for (Kind kind : new Kind[] {Kind.EVENTS, Kind.COUNTS, Kind.HEALTH}) {
        if (kind.key().equals(levels[3])) {
          return new KuraTopic(levels[0], levels[1], kind, levels[4]);
        }
      }
    }
    return new KuraTopic(
        levels[0],
        levels[1],
        Kind.OTHER,
        topic.substring(levels[0].length() + levels[1].length() + 2));
  }

  private static void requireSegment(String what, String value) {
    Objects.requireNonNull(value, what);
    String problem = levelProblem(value);
    if (problem != null) {
      // The value itself may hold control characters: shown escaped, and cut.
      throw new IllegalArgumentException(
          what + " is not a valid topic level: " + problem + "; was '" + printable(value) + "'");
    }
  }

  /**
   * A string as it may go into a log line or an error: non-printable characters escaped, at most 80
   * characters.
   */
  public static String printable(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length() && out.length() < 80; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return value.length() > 80 ? out + "..." : out.toString();
  }

  @Override
  public String toString() {
    return topic();
  }
}
