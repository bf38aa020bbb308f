// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;

/**
 * Where rollouts are kept so that a console can be stopped and resumed: a database with one row per
 * rollout and one row per targeted device, so that a device's change is one row updated, not the
 * whole campaign rewritten. Embedded SQLite (a file) by default; PostgreSQL (or any database
 * speaking the same SQL) through a JDBC URL for a central team. The SQL is the subset both engines
 * share: {@code INSERT ... ON CONFLICT ... DO UPDATE}.
 *
 * <p>One console writes through one connection, from its loop thread; a batch of changed rows is
 * one transaction.
 */
final class RolloutStore implements AutoCloseable {
  private static final Gson GSON = new Gson();

  /** Longest text kept per field: the texts come from devices over the network. */
  static final int MAX_TEXT = 1000;

  static final int MAX_ID = 256;

  private static final String DEVICE_COLUMNS =
      "rollout_id, client_id, online, last_seen_ms, model_version, device_state,"
          + " phase, stage, attempts, status, progress, reason, message, attempt_started_ms, last_progress_ms,"
          + " next_attempt_ms, job";
  private static final String ROLLOUT_COLUMNS =
      "id, package_file, package_sha256, package_size, model_name,"
          + " model_version, transport, url, targets, stages, halt_on_failure, max_attempts, retry_delay_ms,"
          + " attempt_timeout_ms, stage, halted, halt_reason, finished, updated_ms";

  private final String url;
  private final Connection db;

  private RolloutStore(String url, Connection db) {
    this.url = url;
    this.db = db;
  }

  /**
   * Opens (and creates the tables of) the store at a JDBC URL ({@code
   * jdbc:postgresql://host/db?user=...}) or, for anything else, a SQLite file at that path.
   */
  static RolloutStore open(String location) throws IOException {
    String url;
    if (location.startsWith("jdbc:")) {
      url = location;
    } else {
      Path file = Path.of(location).toAbsolutePath();
      Files.createDirectories(file.getParent());
      url = "jdbc:sqlite:" + file;
    }
    try {
      Connection db = DriverManager.getConnection(url);
      RolloutStore store = new RolloutStore(url, db);
      store.createTables();
      return store;
    } catch (SQLException e) {
      throw new IOException(
          "cannot open the rollout store " + redact(url) + ": " + e.getMessage(), e);
    }
  }

  /** The URL without a password, for messages. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***")
        .replaceAll("//([^/@:]+):[^/@]*@", "//$1:***@");
  }

  boolean isSqlite() {
    return url.startsWith("jdbc:sqlite:");
  }

  private void createTables() throws SQLException {
    try (Statement s = db.createStatement()) {
      if (isSqlite()) {
        // WAL: the batch is appended and synced, readers (fleet status) do not block the console.
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=10000");
      }
      s.execute(
          "CREATE TABLE IF NOT EXISTS rollout (id VARCHAR(200) PRIMARY KEY, package_file TEXT NOT NULL,"
              + " package_sha256 VARCHAR(64) NOT NULL, package_size BIGINT NOT NULL, model_name TEXT NOT NULL,"
              + " model_version TEXT NOT NULL, transport VARCHAR(16) NOT NULL, url TEXT, targets TEXT NOT NULL,"
              + " stages TEXT NOT NULL, halt_on_failure DOUBLE PRECISION NOT NULL, max_attempts INTEGER NOT NULL,"
              + " retry_delay_ms BIGINT NOT NULL, attempt_timeout_ms BIGINT NOT NULL, stage INTEGER NOT NULL,"
              + " halted INTEGER NOT NULL, halt_reason TEXT NOT NULL, finished INTEGER NOT NULL, updated_ms BIGINT NOT NULL)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS rollout_device (rollout_id VARCHAR(200) NOT NULL,"
              + " client_id VARCHAR("
              + MAX_ID
              + ") NOT NULL, online INTEGER NOT NULL, last_seen_ms BIGINT NOT NULL,"
              + " model_version TEXT NOT NULL, device_state TEXT NOT NULL, phase VARCHAR(16) NOT NULL, stage INTEGER NOT NULL,"
              + " attempts INTEGER NOT NULL, status TEXT NOT NULL, progress INTEGER NOT NULL, reason TEXT NOT NULL,"
              + " message TEXT NOT NULL, attempt_started_ms BIGINT NOT NULL, last_progress_ms BIGINT NOT NULL,"
              + " next_attempt_ms BIGINT NOT NULL, job TEXT NOT NULL, PRIMARY KEY (rollout_id, client_id))");
    }
    db.setAutoCommit(false);
    db.commit();
  }

  /** The rollout with this id, with its devices; null when the store has none. */
  RolloutState load(String rolloutId) throws IOException {
    try {
      RolloutState s;
      try (PreparedStatement q =
          db.prepareStatement("SELECT " + ROLLOUT_COLUMNS + " FROM rollout WHERE id = ?")) {
        q.setString(1, rolloutId);
        try (ResultSet r = q.executeQuery()) {
          if (!r.next()) {
            db.commit();
            return null;
          }
          s = new RolloutState();
          s.rolloutId = r.getString(1);
          s.packageFile = r.getString(2);
          s.packageSha256 = r.getString(3);
          s.packageSize = r.getLong(4);
          s.modelName = r.getString(5);
          s.modelVersion = r.getString(6);
          s.transport = r.getString(7);
          s.url = r.getString(8);
          s.targets = GSON.fromJson(r.getString(9), new TypeToken<List<String>>() {}.getType());
          s.stages = GSON.fromJson(r.getString(10), new TypeToken<List<Double>>() {}.getType());
          s.haltOnFailure = r.getDouble(11);
          s.maxAttempts = r.getInt(12);
          s.retryDelayMillis = r.getLong(13);
          s.attemptTimeoutMillis = r.getLong(14);
          s.stage = r.getInt(15);
          s.halted = r.getInt(16) != 0;
          s.haltReason = r.getString(17);
          s.finished = r.getInt(18) != 0;
        }
      }
      try (PreparedStatement q =
          db.prepareStatement(
              "SELECT "
                  + DEVICE_COLUMNS
                  + " FROM rollout_device WHERE rollout_id = ? ORDER BY client_id")) {
        q.setString(1, rolloutId);
        q.setFetchSize(5000);
        try (ResultSet r = q.executeQuery()) {
          while (r.next()) {
            DeviceRecord d = new DeviceRecord();
            d.clientId = r.getString(2);
            d.online = r.getInt(3) != 0;
            d.lastSeenMillis = r.getLong(4);
            d.modelVersion = r.getString(5);
            d.deviceState = r.getString(6);
            d.phase = DeviceRecord.Phase.valueOf(r.getString(7));
            d.stage = r.getInt(8);
            d.attempts = r.getInt(9);
            d.status = r.getString(10);
            d.progress = r.getInt(11);
            d.reason = r.getString(12);
            d.message = r.getString(13);
            d.attemptStartedMillis = r.getLong(14);
            d.lastProgressMillis = r.getLong(15);
            d.nextAttemptMillis = r.getLong(16);
            d.job = r.getString(17);
            s.devices.put(d.clientId, d);
          }
        }
      }
      db.commit();
      return s;
    } catch (SQLException | RuntimeException e) {
      rollback();
      throw new IOException(
          "cannot read rollout " + rolloutId + " from " + redact(url) + ": " + e.getMessage(), e);
    }
  }

  /** The id of the rollout changed last, or null. */
  String latest() throws IOException {
    try (Statement q = db.createStatement();
        ResultSet r = q.executeQuery("SELECT id FROM rollout ORDER BY updated_ms DESC LIMIT 1")) {
      String id = r.next() ? r.getString(1) : null;
      db.commit();
      return id;
    } catch (SQLException e) {
      rollback();
      throw new IOException("cannot read " + redact(url) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the rollout's own row and the rows of the devices given (those that changed since the
   * last save), in one transaction.
   */
  void save(RolloutState s, Collection<DeviceRecord> changed) throws IOException {
    try {
      try (PreparedStatement u =
          db.prepareStatement(
              "INSERT INTO rollout ("
                  + ROLLOUT_COLUMNS
                  + ") VALUES"
                  + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                  + " stage = excluded.stage, halted = excluded.halted, halt_reason = excluded.halt_reason,"
                  + " finished = excluded.finished, updated_ms = excluded.updated_ms")) {
        u.setString(1, s.rolloutId);
        u.setString(2, s.packageFile);
        u.setString(3, s.packageSha256);
        u.setLong(4, s.packageSize);
        u.setString(5, s.modelName);
        u.setString(6, s.modelVersion);
        u.setString(7, s.transport);
        u.setString(8, s.url);
        u.setString(9, GSON.toJson(s.targets));
        u.setString(10, GSON.toJson(s.stages));
        u.setDouble(11, s.haltOnFailure);
        u.setInt(12, s.maxAttempts);
        u.setLong(13, s.retryDelayMillis);
        u.setLong(14, s.attemptTimeoutMillis);
        u.setInt(15, s.stage);
        u.setInt(16, s.halted ? 1 : 0);
        u.setString(17, clip(s.haltReason));
        u.setInt(18, s.finished ? 1 : 0);
        u.setLong(19, System.currentTimeMillis());
        u.executeUpdate();
      }
      if (!changed.isEmpty()) {
        StringBuilder set = new StringBuilder();
        for (String c : DEVICE_COLUMNS.split(",\\s*")) {
          if (!c.equals("rollout_id") && !c.equals("client_id")) {
            set.append(set.length() == 0 ? "" : ", ").append(c).append(" = excluded.").append(c);
          }
        }
        try (PreparedStatement u =
            db.prepareStatement(
                "INSERT INTO rollout_device ("
                    + DEVICE_COLUMNS
                    + ") VALUES"
                    + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rollout_id, client_id) DO UPDATE SET "
                    + set)) {
          for (DeviceRecord d : changed) {
            u.setString(1, s.rolloutId);
            u.setString(2, d.clientId);
            u.setInt(3, d.online ? 1 : 0);
            u.setLong(4, d.lastSeenMillis);
            u.setString(5, clip(d.modelVersion));
            u.setString(6, clip(d.deviceState));
            u.setString(7, d.phase.name());
            u.setInt(8, d.stage);
            u.setInt(9, d.attempts);
            u.setString(10, clip(d.status));
            u.setInt(11, d.progress);
            u.setString(12, clip(d.reason));
            u.setString(13, clip(d.message));
            u.setLong(14, d.attemptStartedMillis);
            u.setLong(15, d.lastProgressMillis);
            u.setLong(16, d.nextAttemptMillis);
            u.setString(17, clip(d.job));
            u.addBatch();
          }
          u.executeBatch();
        }
      }
      db.commit();
    } catch (SQLException e) {
      rollback();
      throw new IOException(
          "cannot save rollout " + s.rolloutId + " to " + redact(url) + ": " + e.getMessage(), e);
    }
  }

  private static String clip(String text) {
    return text == null ? "" : text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT);
  }

  private void rollback() {
    try {
      db.rollback();
    } catch (SQLException ignored) {
      // the connection is gone; the next save reports it
    }
  }

  @Override
  public void close() {
    try {
      db.close();
    } catch (SQLException ignored) {
      // closing
    }
  }
}
