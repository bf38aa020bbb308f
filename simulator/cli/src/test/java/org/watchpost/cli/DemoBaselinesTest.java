// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The demo's camera health keeps a baseline per source: `./watchpost demo --source other.mp4` after
 * the vtest demo must not judge other.mp4 against vtest's view (it raised MOVED within 3 s when
 * both shared one directory).
 */
class DemoBaselinesTest {
  private static final Path WORK = Path.of("/var/demo");

  @Test
  void eachSourceHasItsOwnBaselineDirectoryAndTheSameSourceFindsItsOwnAgain() {
    Path vtest = DemoCommand.baselineDirectory(WORK, "/work/shared/data/video/vtest.avi");
    Path other = DemoCommand.baselineDirectory(WORK, "/home/me/other.mp4");
    Path sameName = DemoCommand.baselineDirectory(WORK, "/elsewhere/vtest.avi");
    assertNotEquals(vtest, other);
    assertNotEquals(vtest, sameName, "two files of one name are two sources");
    assertEquals(vtest, DemoCommand.baselineDirectory(WORK, "/work/shared/data/video/vtest.avi"));
    assertEquals(WORK.resolve("baselines"), vtest.getParent());
    assertTrue(vtest.getFileName().toString().startsWith("vtest.avi-"), vtest.toString());
  }

  @Test
  void noPasswordOfACameraUrlInTheDirectoryName() {
    Path camera = DemoCommand.baselineDirectory(WORK, "rtsp://admin:s3cret@10.0.0.7:554");
    assertFalse(camera.toString().contains("s3cret"), camera.toString());
    assertNotEquals(camera, DemoCommand.baselineDirectory(WORK, "rtsp://admin:other@10.0.0.7:554"));
  }
}
