// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Hashtable;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What each stand-in carries for Kura's ConfigurationServiceImpl (addConfigurableComponent reads
 * service.pid, kura.service.pid and service.factoryPid; getOCDForPid finds the OCD by the factory
 * PID, else by the kura.service.pid). The registrations themselves are checked in the Kura-shaped
 * frameworks (KuraCompatibilityIT).
 */
class KuraConfigurablesTest {
  private static final Hashtable<String, Object> SOME = new Hashtable<>(Map.of("a", 1));

  @Test
  void aSingletonIsListedUnderItsOwnPidSoThatKuraFindsItsOcd() {
    Map<String, Object> p =
        KuraConfigurables.standInProperties("org.watchpost.inference", null, SOME, pid -> true);
    assertEquals("org.watchpost.inference", p.get("service.pid"));
    assertEquals("org.watchpost.inference", p.get("kura.service.pid"));
    assertNull(p.get("service.factoryPid"));
  }

  @Test
  void anInstanceCreatedByKuraKeepsTheNameTheOperatorTyped() {
    Hashtable<String, Object> props =
        new Hashtable<>(Map.of("kura.service.pid", "north-gate", "camera.id", "n"));
    Map<String, Object> p =
        KuraConfigurables.standInProperties(
            "org.watchpost.camera.8f1e",
            "org.watchpost.camera",
            props,
            pid -> pid.equals("org.watchpost.camera"));
    assertEquals(
        "org.watchpost.camera.8f1e",
        p.get("service.pid"),
        "the configuration Kura reads and updates");
    assertEquals("north-gate", p.get("kura.service.pid"));
    assertEquals(
        "org.watchpost.camera", p.get("service.factoryPid"), "how Kura finds the instance's OCD");
  }

  @Test
  void anInstanceMadeWithoutKuraIsListedUnderItsConfigurationPid() {
    Map<String, Object> p =
        KuraConfigurables.standInProperties(
            "org.watchpost.analytics.rule~lawn", "org.watchpost.analytics.rule", SOME, pid -> true);
    assertEquals("org.watchpost.analytics.rule~lawn", p.get("kura.service.pid"));
  }

  @Test
  void inertNotWatchpostUnwrittenOrWithoutMetatypeIsNotListed() {
    assertNull(
        KuraConfigurables.standInProperties("org.watchpost.uplink", null, SOME, pid -> true));
    assertNull(
        KuraConfigurables.standInProperties("org.watchpost.systemd", null, SOME, pid -> true));
    assertNull(
        KuraConfigurables.standInProperties("org.watchpost.console", null, SOME, pid -> true));
    assertNull(
        KuraConfigurables.standInProperties("org.eclipse.kura.clock", null, SOME, pid -> true));
    assertNull(
        KuraConfigurables.standInProperties("org.watchpost.inference", null, null, pid -> true));
    assertNull(
        KuraConfigurables.standInProperties("org.watchpost.inference", null, SOME, pid -> false));
  }
}
