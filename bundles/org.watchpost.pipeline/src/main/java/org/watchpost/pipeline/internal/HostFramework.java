package org.watchpost.pipeline.internal;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;

/**
 * Whose framework this is. Watchpost's own runtime may stop the framework it runs in (on SIGTERM, at the end of
 * a clip); inside Eclipse Kura the framework is Kura's, and stopping it would take the whole gateway down.
 */
final class HostFramework {
  /** A package only Kura's API bundle exports: its presence means the framework is Kura's. */
  static final String KURA_API_PACKAGE = "org.eclipse.kura.cloudconnection.publisher";

  private HostFramework() {}

  /** True when the framework is someone else's (Kura's), so that Watchpost must never stop it. */
  static boolean ownedByHost(BundleContext context) {
    if (context.getProperty("kura.version") != null) {
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
}
