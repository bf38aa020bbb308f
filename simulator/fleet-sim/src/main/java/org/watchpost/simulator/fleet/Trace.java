// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.watchpost.uplink.codec.KuraPayload;

/**
 * Recorded device traffic, one JSON object per line: when (seconds from the first message, by the
 * source time the device stamped), the topic kind and subject, the priority the device gave it, and
 * its metrics with their Kura types. {@code seq} is left out: whoever replays it numbers its own
 * messages.
 */
public record Trace(List<Entry> entries, double lengthSeconds) {
  /** Longest trace file read. */
  private static final long MAX_BYTES = 16 << 20;

  public record Entry(
      double t, String kind, String subject, String priority, Map<String, Object> metrics) {}

  public static Trace load(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException("trace " + file + " is larger than " + MAX_BYTES + " bytes");
    }
    return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Reads a trace from its lines.
   *
   * @throws IOException naming the line that is wrong and why
   */
  public static Trace parse(List<String> lines, String origin) throws IOException {
    List<Entry> entries = new ArrayList<>();
    int lineNumber = 0;
    for (String line : lines) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        Map<String, Object> metrics = new LinkedHashMap<>();
        for (JsonElement m : required(o, "m").getAsJsonArray()) {
          JsonArray triple = m.getAsJsonArray();
          if (triple.size() != 3) {
            throw new IllegalArgumentException("a metric is [name, type, value]");
          }
          metrics.put(
              triple.get(0).getAsString(), value(triple.get(1).getAsString(), triple.get(2)));
        }
        double t = required(o, "t").getAsDouble();
        if (!(t >= 0) || t > 1e9) {
          throw new IllegalArgumentException("t must be within 0..1e9 seconds, was " + t);
        }
        String kind = required(o, "kind").getAsString();
        if (!kind.equals("events") && !kind.equals("counts") && !kind.equals("health")) {
          throw new IllegalArgumentException("kind must be events, counts or health, was " + kind);
        }
        String subject = required(o, "subject").getAsString();
        if (subject.isEmpty()
            || subject.length() > 64
            || !subject.equals(org.watchpost.uplink.codec.KuraTopic.segment(subject))) {
          throw new IllegalArgumentException("subject must be one topic level of 1..64 characters");
        }
        entries.add(new Entry(t, kind, subject, required(o, "priority").getAsString(), metrics));
      } catch (RuntimeException e) {
        throw new IOException("trace " + origin + " line " + lineNumber + ": " + e.getMessage(), e);
      }
    }
    if (entries.isEmpty()) {
      throw new IOException("trace " + origin + " holds no messages");
    }
    entries.sort(java.util.Comparator.comparingDouble(Entry::t));
    return new Trace(List.copyOf(entries), entries.get(entries.size() - 1).t() + 1);
  }

  private static JsonElement required(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null || e.isJsonNull()) {
      throw new IllegalArgumentException("missing " + name);
    }
    return e;
  }

  private static Object value(String type, JsonElement v) {
    return switch (type) {
      case "double" -> v.getAsDouble();
      case "float" -> v.getAsFloat();
      case "int64" -> v.getAsLong();
      case "int32" -> v.getAsInt();
      case "bool" -> v.getAsBoolean();
      case "string" -> v.getAsString();
      case "bytes" -> Base64.getDecoder().decode(v.getAsString());
      default -> throw new IllegalArgumentException("unknown metric type " + type);
    };
  }

  private static String type(Object value) {
    if (value instanceof Double) {
      return "double";
    } else if (value instanceof Float) {
      return "float";
    } else if (value instanceof Long) {
      return "int64";
    } else if (value instanceof Integer) {
      return "int32";
    } else if (value instanceof Boolean) {
      return "bool";
    } else if (value instanceof String) {
      return "string";
    }
    return "bytes";
  }

  /**
   * Writes what one device sends, as it arrives at the centre; see {@link FleetObserver#record}.
   */
  public static final class Recorder implements AutoCloseable {
    private final BufferedWriter out;
    private long firstTimestamp = -1;

    public Recorder(Path file) throws IOException {
      Files.createDirectories(file.toAbsolutePath().getParent());
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    synchronized void record(String kind, String subject, String priority, KuraPayload payload) {
      if (payload.timestamp() == null) {
        return;
      }
      if (firstTimestamp < 0) {
        firstTimestamp = payload.timestamp();
      }
      JsonObject o = new JsonObject();
      o.addProperty("t", Math.max(0, payload.timestamp() - firstTimestamp) / 1000.0);
      o.addProperty("kind", kind);
      o.addProperty("subject", subject);
      o.addProperty("priority", priority);
      JsonArray metrics = new JsonArray();
      payload
          .metrics()
          .forEach(
              (name, value) -> {
                if (name.equals("seq")) {
                  return;
                }
                JsonArray triple = new JsonArray();
                triple.add(name);
                triple.add(type(value));
                if (value instanceof byte[] b) {
                  triple.add(Base64.getEncoder().encodeToString(b));
                } else if (value instanceof Number n) {
                  triple.add(n);
                } else if (value instanceof Boolean b) {
                  triple.add(b);
                } else {
                  triple.add(String.valueOf(value));
                }
                metrics.add(triple);
              });
      o.add("m", metrics);
      try {
        out.write(o.toString());
        out.newLine();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public synchronized void close() throws IOException {
      out.close();
    }
  }
}
