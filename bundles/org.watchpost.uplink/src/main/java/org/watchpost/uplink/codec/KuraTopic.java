package org.watchpost.uplink.codec;

import java.util.Objects;

/**
 * Topics in the Kura namespace as Watchpost uses them: data at {@code {account}/{clientId}/wp/{kind}/{subject}},
 * control at {@code $EDC/{account}/{clientId}/MQTT/{BIRTH|DC|LWT}}.
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

  /** What a topic carries; {@link #key()} names it in summaries and monitor lines. */
  public enum Kind {
    EVENTS("events"),
    COUNTS("counts"),
    HEALTH("health"),
    BIRTH("birth"),
    DISCONNECT("dc"),
    LAST_WILL("lwt"),
    /**
     * A remote command's topic in a device's control namespace, {@code $EDC/{account}/{clientId}/{subject}}
     * with subject {@code {appId}/{GET|PUT|EXEC|REPLY|NOTIFY}/...}.
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
   * @throws IllegalArgumentException when a level is empty or holds / + #
   */
  public static KuraTopic application(String account, String clientId, String appId, String... levels) {
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
   * A camera id or subject made safe as one topic level: MQTT wildcards and separators become {@code _}.
   */
  public static String segment(String raw) {
    Objects.requireNonNull(raw, "topic segment");
    if (raw.isEmpty()) {
      return "_";
    }
    StringBuilder safe = new StringBuilder(raw.length());
    raw.codePoints().forEach(c -> safe.appendCodePoint(c == '/' || c == '+' || c == '#' || c == 0 ? '_' : c));
    return safe.toString();
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
   * @return the topic, or null when it is not in a device's Kura namespace
   */
  public static KuraTopic parse(String topic) {
    if (topic == null || topic.isEmpty() || topic.length() > MAX_LENGTH) {
      return null;
    }
    String[] levels = topic.split("/", -1);
    for (String level : levels) {
      if (level.isEmpty() || level.indexOf('+') >= 0 || level.indexOf('#') >= 0) {
        return null;
      }
    }
    if (levels[0].equals(CONTROL_PREFIX)) {
      if (levels.length >= 5 && !levels[3].equals("MQTT")) {
        return new KuraTopic(levels[1], levels[2], Kind.CONTROL,
            topic.substring(levels[0].length() + levels[1].length() + levels[2].length() + 3));
      }
      if (levels.length != 5 || !levels[3].equals("MQTT")) {
        return null;
      }
      Kind kind = switch (levels[4]) {
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
    return new KuraTopic(levels[0], levels[1], Kind.OTHER, topic.substring(levels[0].length() + levels[1].length() + 2));
  }

  private static void requireSegment(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.isEmpty() || value.indexOf('/') >= 0 || value.indexOf('+') >= 0 || value.indexOf('#') >= 0) {
      throw new IllegalArgumentException(what + " must be one non-empty topic level without / + #, was '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return topic();
  }
}
