// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.host;

import java.nio.file.Path;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;

/**
 * Whose framework this is. Watchpost's own runtime may stop the framework it runs in (on SIGTERM,
 * at the end of a clip) and open its own MQTT session; inside Eclipse Kura the framework and the
 * cloud connection are Kura's, and Watchpost's files belong under Kura's data directory rather than
 * wherever Kura was started from.
 */
public final class HostFramework {
  /** A package only Kura's API bundle exports: its presence means the framework is Kura's. */
  public static final String KURA_API_PACKAGE = "org.eclipse.kura.cloudconnection.publisher";

  /** Kura's data directory, a framework property on a Kura gateway. */
  public static final String KURA_DATA = "kura.data";

  /**
   * Watchpost's own directory under Kura's data directory, so that its files stay apart from
   * Kura's.
   */
  public static final String KURA_SUBDIRECTORY = "watchpost";

  private HostFramework() {}

  /** True when the framework is someone else's (Kura's), so that Watchpost must never stop it. */
  public static boolean ownedByHost(BundleContext context) {
    if (context.getProperty("kura.version") != null || context.getProperty(KURA_DATA) != null) {
      return true;
    }
    for (Bundle bundle : context.getBundles()) {
      BundleWiring wiring = bundle.adapt(BundleWiring.class);
      if (wiring == null) {
        continue;
      }
      for (BundleCapability c : wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
        if (KURA_API_PACKAGE.equals(c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A configured path as the framework of {@code context} places it: see {@link #resolve(String,
   * String)}.
   */
  public static Path dataPath(BundleContext context, String configured) {
    return resolve(context.getProperty(KURA_DATA), configured);
  }

  /**
   * Where a configured path is. Absolute: as given. Relative: standalone (no Kura data directory)
   * as given, that is from the runtime's working directory as always; inside Kura under {@code
   * <kura.data>/watchpost/}, since Kura's working directory is nobody's choice and its data
   * directory is where a gateway keeps state.
   *
   * @param kuraData the framework property {@code kura.data}, or null outside Kura
   */
  public static Path resolve(String kuraData, String configured) {
    Path path = Path.of(configured);
    if (path.isAbsolute() || kuraData == null || kuraData.isBlank()) {
      return path;
    }
    return Path.of(kuraData, KURA_SUBDIRECTORY).resolve(path);
  }
}
