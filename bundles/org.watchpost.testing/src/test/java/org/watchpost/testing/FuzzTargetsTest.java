// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rules the parent pom's Jazzer execution relies on, checked over every module's sources:
 * Jazzer's fuzzing mode runs only the first {@code @FuzzTest} of a JVM and reports the others as
 * skipped, which nobody reads, so a class holds one; and every fuzz target has a committed corpus
 * that {@code verify} replays.
 */
class FuzzTargetsTest {

  private static final Pattern FUZZ_TEST =
      Pattern.compile(
          "@FuzzTest\\b[^\\n]*\\n\\s*(?:@[^\\n]*\\n\\s*)*"
              + "(?:public\\s+)?void\\s+(\\w+)\\s*\\(");

  @Test
  void everyFuzzClassHasOneTargetAndACommittedCorpus() throws IOException {
    Path root = Path.of(System.getProperty("watchpost.root", "../.."));
    List<Path> classes = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      files
          .filter(p -> p.getFileName().toString().endsWith("FuzzTest.java"))
          .filter(p -> p.toString().contains("/src/test/java/"))
          .forEach(classes::add);
    }
    assertFalse(classes.isEmpty(), "no *FuzzTest.java under " + root.toAbsolutePath());
    List<String> problems = new ArrayList<>();
    for (Path source : classes) {
      String text = Files.readString(source);
      Matcher m = FUZZ_TEST.matcher(text);
      List<String> methods = new ArrayList<>();
      while (m.find()) {
        methods.add(m.group(1));
      }
      long annotations = Pattern.compile("@FuzzTest\\b").matcher(text).results().count();
      if (annotations != 1 || methods.size() != 1) {
        problems.add(
            source
                + ": "
                + annotations
                + " @FuzzTest methods "
                + methods
                + " (one per class: a second one would be skipped under -Pfuzz; give it its own class)");
        continue;
      }
      String relative =
          source.toString().replaceFirst(".*/src/test/java/", "").replaceFirst("\\.java$", "");
      Path module = Path.of(source.toString().replaceFirst("/src/test/java/.*", ""));
      Path corpus =
          module.resolve("src/test/resources").resolve(relative + "Inputs").resolve(methods.get(0));
      long inputs;
      try (Stream<Path> files = Files.isDirectory(corpus) ? Files.list(corpus) : Stream.empty()) {
        inputs = files.filter(Files::isRegularFile).count();
      }
      if (inputs == 0) {
        problems.add(
            source
                + ": no committed corpus in "
                + corpus
                + " (build one with ./mvnw -Pfuzz verify)");
      }
    }
    assertEquals(List.of(), problems);
    assertTrue(classes.size() >= 8, "found only " + classes);
  }
}
