// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KuraTopicTest {

  @Test
  void dataAndControlTopicsFollowKura() {
    assertEquals(
        "acme/cam-box-7/wp/events/gate", KuraTopic.events("acme", "cam-box-7", "gate").topic());
    assertEquals(
        "acme/cam-box-7/wp/counts/gate", KuraTopic.counts("acme", "cam-box-7", "gate").topic());
    assertEquals(
        "acme/cam-box-7/wp/health/device", KuraTopic.health("acme", "cam-box-7", "device").topic());
    assertEquals(
        "$EDC/acme/cam-box-7/MQTT/BIRTH",
        KuraTopic.control("acme", "cam-box-7", KuraTopic.Kind.BIRTH).topic());
    assertEquals(
        "$EDC/acme/cam-box-7/MQTT/DC",
        KuraTopic.control("acme", "cam-box-7", KuraTopic.Kind.DISCONNECT).topic());
    assertEquals(
        "$EDC/acme/cam-box-7/MQTT/LWT",
        KuraTopic.control("acme", "cam-box-7", KuraTopic.Kind.LAST_WILL).topic());
  }

  @Test
  void parsingGivesBackTheKindAndSubject() {
    for (KuraTopic t :
        new KuraTopic[] {
          KuraTopic.events("a", "c", "cam1"),
          KuraTopic.counts("a", "c", "cam1"),
          KuraTopic.health("a", "c", "device"),
          KuraTopic.control("a", "c", KuraTopic.Kind.BIRTH),
          KuraTopic.control("a", "c", KuraTopic.Kind.LAST_WILL)
        }) {
      assertEquals(t, KuraTopic.parse(t.topic()));
    }
    assertEquals(KuraTopic.Kind.OTHER, KuraTopic.parse("a/c/MODEL-V1/REPLY/1").kind());
    assertNull(KuraTopic.parse("$EDC/a/c/MQTT/HELLO"));
    assertNull(KuraTopic.parse("a//c"));
    assertNull(KuraTopic.parse("solo"));
  }

  @Test
  void cameraIdsBecomeOneSafeLevel() {
    assertEquals("a/c/wp/events/cam_1_", KuraTopic.events("a", "c", "cam/1#").topic());
    assertThrows(IllegalArgumentException.class, () -> KuraTopic.events("a/b", "c", "x"));
  }

  @Test
  void topicLevelsAreRestrictedAndBounded() {
    assertNull(KuraTopic.levelProblem("console-1.a_b:c"));
    assertTrue(KuraTopic.levelProblem("con\u0001sole").contains("U+0001"));
    assertTrue(KuraTopic.levelProblem("a b").contains("U+0020"));
    assertTrue(KuraTopic.levelProblem("caf\u00e9").contains("U+00E9"));
    assertTrue(KuraTopic.levelProblem("x".repeat(65)).contains("65 characters"));
    assertNull(KuraTopic.levelProblem("x".repeat(64)));
    assertTrue(KuraTopic.levelProblem("").contains("empty"));
    assertNull(KuraTopic.topicProblem("$EDC/acme/console/MODEL-V1/REPLY/1"));
    assertTrue(
        KuraTopic.topicProblem("$EDC/acme/con\u0001sole/MODEL-V1/REPLY/1").contains("level 3"));
    assertTrue(KuraTopic.topicProblem("a/b/c/d/e/f/g/h/i/j/k/l/m").contains("13 levels"));
    assertNull(KuraTopic.parse("$EDC/acme/con\u0001sole/MODEL-V1/GET/x"));
    assertNull(KuraTopic.parse("acme/box 7/wp/events/x"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KuraTopic.application("acme", "con\u0001sole", "MODEL-V1", "REPLY", "1"));
    assertTrue(
        e.getMessage().contains("\\u0001") && !e.getMessage().contains("\u0001"), e.getMessage());
    assertEquals("cam_1_caf_", KuraTopic.segment("cam 1/caf\u00e9"));
    assertEquals(64, KuraTopic.segment("y".repeat(100)).length());
  }
}
