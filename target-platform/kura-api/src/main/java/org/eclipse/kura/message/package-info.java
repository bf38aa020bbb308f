/**
 * Kura org.eclipse.kura.message at the version Kura 6 exports (Kura 5.5 exports it at 1.3.0 or
 * later within the same major).
 */
@org.osgi.annotation.versioning.Version("1.5.0")
package org.eclipse.kura.message;
