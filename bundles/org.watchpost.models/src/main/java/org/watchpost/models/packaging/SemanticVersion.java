// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A semantic version {@code MAJOR.MINOR.PATCH[-pre][+build]}, ordered as semver orders them (build
 * ignored).
 */
public record SemanticVersion(int major, int minor, int patch, String preRelease)
    implements Comparable<SemanticVersion> {
  private static final Pattern FORM =
      Pattern.compile(
          "(\\d{1,6})\\.(\\d{1,6})\\.(\\d{1,6})(?:-([0-9A-Za-z.-]{1,64}))?(?:\\+[0-9A-Za-z.-]{1,64})?");

  /**
   * @throws IllegalArgumentException when the text is not a semantic version
   */
  public static SemanticVersion parse(String text) {
    Matcher m = text == null ? null : FORM.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a semantic version (MAJOR.MINOR.PATCH)");
    }
    return new SemanticVersion(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        Integer.parseInt(m.group(3)),
        m.group(4) == null ? "" : m.group(4));
  }

  public static boolean isValid(String text) {
    return text != null && FORM.matcher(text).matches();
  }

  @Override
  public int compareTo(SemanticVersion other) {
    int c = Integer.compare(major, other.major);
    if (c == 0) {
      c = Integer.compare(minor, other.minor);
    }
    if (c == 0) {
      c = Integer.compare(patch, other.patch);
    }
    if (c != 0) {
      return c;
    }
    // A pre-release sorts before its release; two pre-releases compare by their identifiers.
    if (preRelease.isEmpty() || other.preRelease.isEmpty()) {
      return Boolean.compare(preRelease.isEmpty(), other.preRelease.isEmpty());
    }
    String[] mine = preRelease.split("\\.");
    String[] theirs = other.preRelease.split("\\.");
    for (int i = 0; i < Math.min(mine.length, theirs.length); i++) {
      boolean mineNumeric = mine[i].chars().allMatch(Character::isDigit);
      boolean theirsNumeric = theirs[i].chars().allMatch(Character::isDigit);
      int d;
      if (mineNumeric && theirsNumeric) {
        d =
            Long.compare(
                Long.parseLong(mine[i].length() > 18 ? mine[i].substring(0, 18) : mine[i]),
                Long.parseLong(theirs[i].length() > 18 ? theirs[i].substring(0, 18) : theirs[i]));
      } else if (mineNumeric != theirsNumeric) {
        d = mineNumeric ? -1 : 1;
      } else {
        d = mine[i].compareTo(theirs[i]);
      }
      if (d != 0) {
        return d;
      }
    }
    return Integer.compare(mine.length, theirs.length);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + (preRelease.isEmpty() ? "" : "-" + preRelease);
  }
}
