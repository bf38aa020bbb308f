// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Faults over stream time, at most one at any instant.
 *
 * <p>Text form, as a simulator or command line takes it: entries separated by {@code ,} or {@code
 * ;}, each {@code kind[:amount]@from-to} with times in seconds of stream time, e.g. {@code
 * black@30-40, blur:4@50-60, shift:0.05@70-80}. An entry {@code every:P} makes the schedule come
 * back every P seconds of stream time (every fault must end by P): a clip played in a loop keeps
 * counting stream time from pass to pass, so a schedule meant for every pass takes the clip's
 * length as its period.
 *
 * @param faults the windows, sorted, not overlapping
 * @param periodMillis the schedule repeats with this period of stream time; 0: it does not repeat
 */
public record FaultSchedule(List<Fault> faults, long periodMillis) {
  /** Longest schedule text accepted. */
  public static final int MAX_TEXT = 4096;

  /** Most faults in one schedule. */
  public static final int MAX_FAULTS = 64;

  private static final String EVERY = "every:";

  public static final FaultSchedule NONE = new FaultSchedule(List.of());

  public FaultSchedule(List<Fault> faults) {
    this(faults, 0);
  }

  public FaultSchedule {
    if (periodMillis < 0 || periodMillis > Fault.MAX_MILLIS) {
      throw new IllegalArgumentException(
          "a schedule's period must be 0 (none) or up to "
              + Fault.MAX_MILLIS
              + " ms, was "
              + periodMillis);
    }
    List<Fault> sorted = new ArrayList<>(faults);
    if (sorted.size() > MAX_FAULTS) {
      throw new IllegalArgumentException(
          "a schedule holds at most " + MAX_FAULTS + " faults, was " + sorted.size());
    }
    sorted.sort(Comparator.comparingLong(Fault::fromMillis));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).fromMillis() < sorted.get(i - 1).toMillis()) {
        throw new IllegalArgumentException(
            "faults " + sorted.get(i - 1) + " and " + sorted.get(i) + " overlap");
      }
    }
    if (periodMillis > 0
        && !sorted.isEmpty()
        && sorted.get(sorted.size() - 1).toMillis() > periodMillis) {
      throw new IllegalArgumentException(
          "fault "
              + sorted.get(sorted.size() - 1)
              + " ends after the period of "
              + periodMillis
              + " ms");
    }
    faults = List.copyOf(sorted);
  }

  public static FaultSchedule of(Fault... faults) {
    return new FaultSchedule(List.of(faults));
  }

  /**
   * Reads the text form.
   *
   * @throws IllegalArgumentException naming the entry that is wrong and why
   */
  public static FaultSchedule parse(String text) {
    if (text.length() > MAX_TEXT) {
      throw new IllegalArgumentException(
          "fault schedule is longer than " + MAX_TEXT + " characters");
    }
    List<Fault> faults = new ArrayList<>();
    long periodMillis = 0;
    for (String entry : text.split("[,;]", -1)) {
      String trimmed = entry.strip();
      if (trimmed.isEmpty()) {
        if (text.isBlank()) {
          continue;
        }
        throw new IllegalArgumentException("empty entry in fault schedule '" + text + "'");
      }
      if (trimmed.startsWith(EVERY)) {
        if (periodMillis != 0) {
          throw new IllegalArgumentException(
              "a schedule has one period; '" + trimmed + "' is another");
        }
        double seconds = number(trimmed.substring(EVERY.length()), trimmed);
        if (!(seconds > 0 && seconds <= Fault.MAX_MILLIS / 1000.0)
            || Math.round(seconds * 1000) == 0) {
          throw new IllegalArgumentException(
              "a schedule's period must be more than 0 and at most "
                  + Fault.MAX_MILLIS / 1000
                  + " s: '"
                  + trimmed
                  + "'");
        }
        periodMillis = Math.round(seconds * 1000);
        continue;
      }
      if (faults.size() == MAX_FAULTS) {
        throw new IllegalArgumentException("a schedule holds at most " + MAX_FAULTS + " faults");
      }
      faults.add(parseEntry(trimmed));
    }
    return new FaultSchedule(faults, periodMillis);
  }

  private static Fault parseEntry(String entry) {
    int at = entry.indexOf('@');
    int dash = entry.indexOf('-', at + 1);
    if (at < 0 || dash < 0) {
      throw new IllegalArgumentException("fault '" + entry + "' is not kind[:amount]@from-to");
    }
    String head = entry.substring(0, at).strip();
    int colon = head.indexOf(':');
    String kindName = (colon < 0 ? head : head.substring(0, colon)).strip();
    FaultKind kind;
    try {
      kind = FaultKind.valueOf(kindName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown fault '"
              + kindName
              + "' in '"
              + entry
              + "'; known: "
              + java.util.Arrays.stream(FaultKind.values())
                  .map(FaultKind::code)
                  .collect(Collectors.joining(", ")));
    }
    double amount = Double.NaN;
    if (colon >= 0) {
      if (!kind.hasAmount()) {
        throw new IllegalArgumentException(
            "fault " + kind.code() + " takes no amount: '" + entry + "'");
      }
      amount = number(head.substring(colon + 1), entry);
    }
    double from = number(entry.substring(at + 1, dash), entry);
    double to = number(entry.substring(dash + 1), entry);
    double maxSeconds = Fault.MAX_MILLIS / 1000.0;
    if (from < 0 || to > maxSeconds) {
      throw new IllegalArgumentException(
          "fault '" + entry + "' must lie within 0.." + (long) maxSeconds + " s");
    }
    return new Fault(kind, Math.round(from * 1000), Math.round(to * 1000), amount);
  }

  private static double number(String text, String entry) {
    String trimmed = text.strip();
    // Plain decimals only: no signs, exponents, hex or infinities.
    if (trimmed.isEmpty() || trimmed.length() > 24 || !trimmed.matches("[0-9]+(\\.[0-9]+)?")) {
      throw new IllegalArgumentException(
          "'" + trimmed + "' in fault '" + entry + "' is not a plain decimal number");
    }
    return Double.parseDouble(trimmed);
  }

  /** The fault active at a stream time, or null. */
  public Fault at(long streamMillis) {
    long time = periodMillis > 0 ? Math.floorMod(streamMillis, periodMillis) : streamMillis;
    for (Fault fault : faults) {
      if (fault.activeAt(time)) {
        return fault;
      }
      if (fault.fromMillis() > time) {
        break;
      }
    }
    return null;
  }

  /** The text form; {@link #parse} reads it back to an equal schedule. */
  @Override
  public String toString() {
    String windows = faults.stream().map(Fault::toString).collect(Collectors.joining(", "));
    if (periodMillis == 0) {
      return windows;
    }
    String every =
        EVERY
            + java.math.BigDecimal.valueOf(periodMillis / 1000.0)
                .stripTrailingZeros()
                .toPlainString();
    return windows.isEmpty() ? every : windows + ", " + every;
  }
}
