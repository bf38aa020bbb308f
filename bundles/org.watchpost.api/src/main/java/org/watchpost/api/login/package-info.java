/**
 * What every login the device offers shares: the per-source lockout. A package of its own, named
 * for what it holds, so that its version moves only when the lockout does.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.api.login;
