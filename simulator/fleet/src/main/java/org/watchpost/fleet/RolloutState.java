package org.watchpost.fleet;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A rollout as the console keeps it on disk, so that it can be stopped and resumed. */
final class RolloutState {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  int format = 1;
  String rolloutId;
  String packageFile;
  String packageSha256;
  long packageSize;
  String modelName;
  String modelVersion;
  String transport;
  String url;
  /** Client ids, a glob over client ids ({@code cam-*}), or {@code *} for every device that shows up. */
  List<String> targets;
  /** Cumulative share of the target population per stage: canary first, then the waves. */
  List<Double> stages;
  double haltOnFailure;
  int maxAttempts;
  long retryDelayMillis;
  long attemptTimeoutMillis;
  int stage;
  boolean halted;
  String haltReason = "";
  boolean finished;
  Map<String, DeviceRecord> devices = new TreeMap<>();

  static RolloutState read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    if (Files.size(file) > 64L << 20) {
      throw new IOException("state file " + file + " is larger than 64 MB");
    }
    RolloutState state = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), RolloutState.class);
    if (state == null || state.format != 1 || state.packageSha256 == null || state.stages == null) {
      throw new IOException("state file " + file + " is not a rollout state");
    }
    return state;
  }

  /** Written beside itself, forced, renamed over the old file: a stop at any moment leaves one of the two. */
  void write(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temporary = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      out.write(java.nio.ByteBuffer.wrap(GSON.toJson(this).getBytes(StandardCharsets.UTF_8)));
      out.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  boolean targets(String clientId) {
    for (String t : targets) {
      if (t.equals(clientId) || (t.contains("*") && clientId.matches(globToRegex(t)))) {
        return true;
      }
    }
    return false;
  }

  private static String globToRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
    }
    return regex.toString();
  }
}
