// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a rule is armed: {@code always}, or windows separated by {@code ;}, each {@code [days]
 * HH:MM-HH:MM} with days such as {@code Mon-Fri} or {@code Sat,Sun} (every day when left out). The
 * start is inclusive, the end exclusive; a window whose end is before its start runs past midnight
 * and belongs to the day it starts on, so {@code Fri 22:00-06:00} covers Friday night until
 * Saturday 06:00. {@code 24:00} is the end of the day.
 */
public record Schedule(List<Window> windows) {
  private static final int MAX_TEXT = 512;
  private static final Pattern WINDOW =
      Pattern.compile(
          "(?:([A-Za-z]{3}(?:-[A-Za-z]{3})?(?:,[A-Za-z]{3}(?:-[A-Za-z]{3})?)*)\\s+)?(\\d{1,2}):(\\d{2})-(\\d{1,2}):(\\d{2})");
  private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

  public static final Schedule ALWAYS = new Schedule(null);

  /**
   * One armed window; minutes of the day, {@code startMinute} in 0..1439, {@code endMinute} in
   * 0..1440.
   */
  public record Window(Set<DayOfWeek> days, int startMinute, int endMinute) {
    public Window {
      days = Set.copyOf(days);
    }

    boolean covers(DayOfWeek day, int minute) {
      if (startMinute < endMinute) {
        return days.contains(day) && minute >= startMinute && minute < endMinute;
      }
      return (days.contains(day) && minute >= startMinute)
          || (days.contains(day.minus(1)) && minute < endMinute);
    }
  }

  public Schedule {
    windows = windows == null ? null : List.copyOf(windows);
  }

  public boolean always() {
    return windows == null;
  }

  public boolean armed(long epochMillis, ZoneId zone) {
    if (windows == null) {
      return true;
    }
    ZonedDateTime t = Instant.ofEpochMilli(epochMillis).atZone(zone);
    int minute = t.getHour() * 60 + t.getMinute();
    for (Window w : windows) {
      if (w.covers(t.getDayOfWeek(), minute)) {
        return true;
      }
    }
    return false;
  }

  /**
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Schedule parse(String text) {
    if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("always")) {
      return ALWAYS;
    }
    if (text.length() > MAX_TEXT) {
      throw new IllegalArgumentException("schedule longer than " + MAX_TEXT + " characters");
    }
    List<Window> windows = new ArrayList<>();
    for (String part : text.split(";")) {
      String trimmed = part.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      Matcher m = WINDOW.matcher(trimmed);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "schedule window '" + trimmed + "' is not [days] HH:MM-HH:MM");
      }
      Set<DayOfWeek> days = m.group(1) == null ? EnumSet.allOf(DayOfWeek.class) : days(m.group(1));
      int start = minute(m.group(2), m.group(3), trimmed, false);
      int end = minute(m.group(4), m.group(5), trimmed, true);
      if (start == end) {
        throw new IllegalArgumentException("schedule window '" + trimmed + "' is empty");
      }
      windows.add(new Window(days, start, end));
    }
    if (windows.isEmpty()) {
      throw new IllegalArgumentException("schedule '" + text + "' has no window");
    }
    return new Schedule(windows);
  }

  private static Set<DayOfWeek> days(String text) {
    Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
    for (String item : text.split(",")) {
      String[] range = item.split("-");
      DayOfWeek from = day(range[0]);
      DayOfWeek to = range.length > 1 ? day(range[1]) : from;
      for (DayOfWeek d = from; ; d = d.plus(1)) {
        days.add(d);
        if (d == to) {
          break;
        }
      }
    }
    return days;
  }

  private static DayOfWeek day(String name) {
    int index = DAYS.indexOf(name.toLowerCase(Locale.ROOT));
    if (index < 0) {
      throw new IllegalArgumentException("unknown day '" + name + "', expected Mon..Sun");
    }
    return DayOfWeek.of(index + 1);
  }

  private static int minute(String hours, String minutes, String window, boolean end) {
    int h = Integer.parseInt(hours);
    int m = Integer.parseInt(minutes);
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end))) {
      throw new IllegalArgumentException(
          "schedule window '" + window + "' has a time out of range");
    }
    return h * 60 + m;
  }
}
