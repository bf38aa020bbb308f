// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import org.sqlite.SQLiteConfig;
import org.watchpost.api.event.Priority;

/**
 * The durable store-and-forward queue: an SQLite database in WAL mode with {@code
 * synchronous=FULL}, so a committed append survives kill -9 and power loss.
 *
 * <p>Every append gets the device's next sequence number inside the transaction that stores it, so
 * seq is strictly increasing across restarts and never reused. Messages leave only through {@link
 * #remove} (after the broker's PUBACK) or as drops when the store is full: then the lowest priority
 * goes first and, within a priority, the oldest; an append is itself refused when everything stored
 * outranks it. Drops are counted per priority in the database.
 *
 * <p>One connection, used under this object's lock: appends come in batches from one writer thread
 * (group commit), reads and removals from the sender.
 */
final class Outbox implements AutoCloseable {
  /**
   * Bytes a row costs beyond its payload and topic (key, priority, time, b-tree cell), for the
   * bound.
   */
  static final int ROW_OVERHEAD = 32;

  /**
   * Most messages kept in quarantine, for an operator to look at; older ones are deleted. Each is
   * at most one largest message, so the table stays small.
   */
  static final int QUARANTINE_ROWS = 100;

  /**
   * What the writer asks to store; the payload is encoded once the seq is known.
   *
   * @param replyBytes bytes expected back in answer, for the sender's budget (kept in memory only)
   */
  record Draft(
      Priority priority,
      String topic,
      LongFunction<byte[]> payloadForSeq,
      int replyBytes,
      int size) {
    Draft(Priority priority, String topic, LongFunction<byte[]> payloadForSeq) {
      this(priority, topic, payloadForSeq, 0, 0);
    }

    Draft(Priority priority, String topic, LongFunction<byte[]> payloadForSeq, int replyBytes) {
      this(priority, topic, payloadForSeq, replyBytes, 0);
    }
  }

  /** A stored message; {@code replyBytes} is known only to the run that stored it. */
  record Stored(
      long seq,
      Priority priority,
      String topic,
      byte[] payload,
      long createdMillis,
      int replyBytes) {
    Stored(long seq, Priority priority, String topic, byte[] payload, long createdMillis) {
      this(seq, priority, topic, payload, createdMillis, 0);
    }

    int cost() {
      return payload.length + topic.length() + ROW_OVERHEAD;
    }
  }

  /**
   * What one append transaction did: the seqs it stored and the messages it dropped to make room.
   */
  record AppendResult(List<Stored> stored, List<Long> droppedSeqs, int refused) {}

  private final Path file;
  private final long maxBytes;
  private final Connection db;
  private long nextSeq;
  private long storedBytes;

  /**
   * Written under the lock; volatile so that metrics read it without waiting for a transaction to
   * commit.
   */
  private volatile long depth;

  private long maxDepth;
  private volatile long quarantined;
  private final EnumMap<Priority, Long> dropped = new EnumMap<>(Priority.class);

  Outbox(Path file, long maxBytes) {
    if (maxBytes < 4096) {
      throw new IllegalArgumentException("outbox max bytes must be at least 4096, was " + maxBytes);
    }
    this.file = file.toAbsolutePath();
    this.maxBytes = maxBytes;
    try {
      Files.createDirectories(this.file.getParent());
      SQLiteConfig config = new SQLiteConfig();
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
      config.setBusyTimeout(10_000);
      db = config.createConnection("jdbc:sqlite:" + this.file);
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_size_limit = 4194304");
        s.execute(
            "CREATE TABLE IF NOT EXISTS message (seq INTEGER PRIMARY KEY, priority INTEGER NOT NULL, "
                + "topic TEXT NOT NULL, payload BLOB NOT NULL, cost INTEGER NOT NULL, created INTEGER NOT NULL)");
        s.execute("CREATE INDEX IF NOT EXISTS message_order ON message (priority, seq)");
        s.execute(
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
        // Messages the client can never send (a topic it refuses to encode, larger than the broker
        // takes): out
        // of the send path, so that one of them cannot block everything behind it on every
        // reconnect.
        s.execute(
            "CREATE TABLE IF NOT EXISTS quarantine (seq INTEGER PRIMARY KEY, priority INTEGER NOT NULL, "
                + "topic TEXT NOT NULL, payload BLOB NOT NULL, created INTEGER NOT NULL, reason TEXT NOT NULL)");
      }
      db.setAutoCommit(false);
      load();
      db.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot open the outbox database " + this.file + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of the outbox " + this.file, e);
    }
  }

  Connection connectionForTests() {
    return db;
  } // the pragmas are per connection: OutboxTest reads them back

  private void load() throws SQLException {
    long lastSeq = 0;
    try (Statement s = db.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT COALESCE(MAX(seq), 0), COUNT(*), COALESCE(SUM(cost), 0) FROM message")) {
      r.next();
      lastSeq = r.getLong(1);
      depth = r.getLong(2);
      storedBytes = r.getLong(3);
    }
    nextSeq = Math.max(lastSeq + 1, meta("next_seq", 1));
    maxDepth = Math.max(depth, meta("max_depth", 0));
    quarantined = meta("quarantined", 0);
    for (Priority p : Priority.values()) {
      dropped.put(p, meta("dropped." + p.name(), 0));
    }
  }

  private long meta(String name, long fallback) throws SQLException {
    try (PreparedStatement q = db.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
      q.setString(1, name);
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? r.getLong(1) : fallback;
      }
    }
  }

  private void putMeta(String name, long value) throws SQLException {
    try (PreparedStatement u =
        db.prepareStatement("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)")) {
      u.setString(1, name);
      u.setLong(2, value);
      u.executeUpdate();
    }
  }

  /**
   * Stores drafts in one transaction, in order, each with the next seq. When the bound is reached,
   * makes room by dropping lower priorities (oldest first), or refuses a draft that everything
   * stored outranks.
   */
  synchronized AppendResult append(List<Draft> drafts, long nowMillis) {
    List<Stored> stored = new ArrayList<>(drafts.size());
    List<Long> droppedSeqs = new ArrayList<>();
    int refused = 0;
    long seqBefore = nextSeq;
    long bytesBefore = storedBytes;
    long depthBefore = depth;
    EnumMap<Priority, Long> droppedBefore = new EnumMap<>(dropped);
    try (PreparedStatement insert =
        db.prepareStatement(
            "INSERT INTO message (seq, priority, topic, payload, cost, created) VALUES (?, ?, ?, ?, ?, ?)")) {
      for (Draft draft : drafts) {
        long seq = nextSeq++;
        byte[] payload = draft.payloadForSeq().apply(seq);
        Stored message =
            new Stored(
                seq, draft.priority(), draft.topic(), payload, nowMillis, draft.replyBytes());
        if (!makeRoom(message, droppedSeqs)) {
          refused++;
          dropped.merge(draft.priority(), 1L, Long::sum);
          continue;
        }
        insert.setLong(1, seq);
        insert.setInt(2, draft.priority().ordinal());
        insert.setString(3, draft.topic());
        insert.setBytes(4, payload);
        insert.setInt(5, message.cost());
        insert.setLong(6, nowMillis);
        insert.executeUpdate();
        storedBytes += message.cost();
        depth++;
        stored.add(message);
      }
      maxDepth = Math.max(maxDepth, depth);
      putMeta("next_seq", nextSeq);
      putMeta("max_depth", maxDepth);
      for (Priority p : Priority.values()) {
        if (!dropped.get(p).equals(droppedBefore.get(p))) {
          putMeta("dropped." + p.name(), dropped.get(p));
        }
      }
      db.commit();
      return new AppendResult(stored, droppedSeqs, refused);
    } catch (SQLException | RuntimeException e) {
      nextSeq = seqBefore;
      storedBytes = bytesBefore;
      depth = depthBefore;
      dropped.putAll(droppedBefore);
      rollback();
      throw new IllegalStateException(
          "appending "
              + drafts.size()
              + " messages to the outbox "
              + file
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  private boolean makeRoom(Stored incoming, List<Long> droppedSeqs) throws SQLException {
    if (incoming.cost() > maxBytes) {
      return false;
    }
    while (storedBytes + incoming.cost() > maxBytes) {
      long victimSeq;
      int victimPriority;
      int victimCost;
      try (Statement s = db.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT seq, priority, cost FROM message ORDER BY priority DESC, seq ASC LIMIT 1")) {
        if (!r.next()) {
          return false;
        }
        victimSeq = r.getLong(1);
        victimPriority = r.getInt(2);
        victimCost = r.getInt(3);
      }
      if (victimPriority < incoming.priority().ordinal()) {
        return false;
      }
      try (PreparedStatement d = db.prepareStatement("DELETE FROM message WHERE seq = ?")) {
        d.setLong(1, victimSeq);
        d.executeUpdate();
      }
      storedBytes -= victimCost;
      depth--;
      dropped.merge(Priority.values()[victimPriority], 1L, Long::sum);
      droppedSeqs.add(victimSeq);
    }
    return true;
  }

  /** The next messages to send: priority first, then seq, leaving out those already in flight. */
  synchronized List<Stored> next(int limit, Set<Long> inFlight) {
    List<Stored> out = new ArrayList<>(limit);
    try (PreparedStatement q =
        db.prepareStatement(
            "SELECT seq, priority, topic, payload, created FROM message ORDER BY priority, seq LIMIT ?")) {
      q.setInt(1, limit + inFlight.size());
      try (ResultSet r = q.executeQuery()) {
        while (r.next() && out.size() < limit) {
          long seq = r.getLong(1);
          if (!inFlight.contains(seq)) {
            out.add(
                new Stored(
                    seq,
                    Priority.values()[r.getInt(2)],
                    r.getString(3),
                    r.getBytes(4),
                    r.getLong(5)));
          }
        }
      }
      db.commit();
      return out;
    } catch (SQLException e) {
      rollback();
      throw new IllegalStateException(
          "reading the outbox " + file + " failed: " + e.getMessage(), e);
    }
  }

  /** Removes delivered messages; seqs already gone (dropped meanwhile) are ignored. */
  synchronized void remove(Collection<Long> seqs) {
    if (seqs.isEmpty()) {
      return;
    }
    try (PreparedStatement cost = db.prepareStatement("SELECT cost FROM message WHERE seq = ?");
        PreparedStatement delete = db.prepareStatement("DELETE FROM message WHERE seq = ?")) {
      long freed = 0;
      long removed = 0;
      for (long seq : seqs) {
        cost.setLong(1, seq);
        try (ResultSet r = cost.executeQuery()) {
          if (!r.next()) {
            continue;
          }
          freed += r.getLong(1);
        }
        delete.setLong(1, seq);
        removed += delete.executeUpdate();
      }
      db.commit();
      storedBytes -= freed;
      depth -= removed;
    } catch (SQLException e) {
      rollback();
      throw new IllegalStateException(
          "removing delivered messages from the outbox " + file + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Moves messages that can never be sent out of the send path into the quarantine table (bounded
   * to {@link #QUARANTINE_ROWS}, oldest deleted), counted in {@link #quarantined()}.
   */
  synchronized void quarantine(Collection<Stored> messages, String reason) {
    if (messages.isEmpty()) {
      return;
    }
    long depthBefore = depth;
    long bytesBefore = storedBytes;
    try (PreparedStatement cost = db.prepareStatement("SELECT cost FROM message WHERE seq = ?");
        PreparedStatement delete = db.prepareStatement("DELETE FROM message WHERE seq = ?");
        PreparedStatement keep =
            db.prepareStatement(
                "INSERT OR REPLACE INTO quarantine (seq, priority, topic, "
                    + "payload, created, reason) VALUES (?, ?, ?, ?, ?, ?)")) {
      long moved = 0;
      for (Stored s : messages) {
        cost.setLong(1, s.seq());
        try (ResultSet r = cost.executeQuery()) {
          if (!r.next()) {
            continue;
          }
          storedBytes -= r.getLong(1);
        }
        delete.setLong(1, s.seq());
        depth -= delete.executeUpdate();
        keep.setLong(1, s.seq());
        keep.setInt(2, s.priority().ordinal());
        keep.setString(3, s.topic());
        keep.setBytes(4, s.payload());
        keep.setLong(5, s.createdMillis());
        keep.setString(6, reason.length() > 500 ? reason.substring(0, 500) : reason);
        keep.executeUpdate();
        moved++;
      }
      try (Statement s = db.createStatement()) {
        s.execute(
            "DELETE FROM quarantine WHERE seq NOT IN (SELECT seq FROM quarantine ORDER BY seq DESC LIMIT "
                + QUARANTINE_ROWS
                + ")");
      }
      putMeta("quarantined", quarantined + moved);
      db.commit();
      quarantined += moved;
    } catch (SQLException e) {
      depth = depthBefore;
      storedBytes = bytesBefore;
      rollback();
      throw new IllegalStateException(
          "quarantining "
              + messages.size()
              + " messages in the outbox "
              + file
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  /** Messages moved to quarantine since the outbox was created. */
  long quarantined() {
    return quarantined;
  }

  /** The reasons of the messages in quarantine now, newest first, for a test or an operator. */
  synchronized List<String> quarantineReasons() {
    List<String> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet r =
            s.executeQuery("SELECT seq, topic, reason FROM quarantine ORDER BY seq DESC")) {
      while (r.next()) {
        out.add(r.getLong(1) + " " + r.getString(2) + ": " + r.getString(3));
      }
      db.commit();
      return out;
    } catch (SQLException e) {
      rollback();
      throw new IllegalStateException(
          "reading the quarantine of " + file + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Bytes waiting at each priority and above it (index = priority ordinal), for the governor's
   * backlog view.
   */
  synchronized long[] bytesByPriority() {
    long[] bytes = new long[Priority.values().length];
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT priority, SUM(cost) FROM message GROUP BY priority")) {
      while (r.next()) {
        bytes[r.getInt(1)] = r.getLong(2);
      }
      db.commit();
      return bytes;
    } catch (SQLException e) {
      rollback();
      throw new IllegalStateException(
          "reading the outbox " + file + " failed: " + e.getMessage(), e);
    }
  }

  long depth() {
    return depth;
  }

  synchronized long storedBytes() {
    return storedBytes;
  }

  synchronized long maxDepth() {
    return maxDepth;
  }

  /** The seq the next append will get. */
  synchronized long nextSeq() {
    return nextSeq;
  }

  synchronized Map<Priority, Long> dropped() {
    return new EnumMap<>(dropped);
  }

  synchronized long droppedTotal() {
    return dropped.values().stream().mapToLong(Long::longValue).sum();
  }

  long maxBytes() {
    return maxBytes;
  }

  Path file() {
    return file;
  }

  private void rollback() {
    try {
      db.rollback();
    } catch (SQLException e) {
      // SQLite rolls back by itself on some errors (SQLITE_FULL among them); then the driver's
      // ROLLBACK fails and
      // it skips the BEGIN it would issue after it, and every later commit fails with "no
      // transaction is active".
      // Open the transaction the driver expects; if one is open after all, that fails harmlessly.
      try (Statement s = db.createStatement()) {
        s.execute("BEGIN");
      } catch (SQLException ignored) {
        // a transaction is open: the state the driver expects
      }
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "closing the outbox " + file + " failed: " + e.getMessage(), e);
    }
  }
}
