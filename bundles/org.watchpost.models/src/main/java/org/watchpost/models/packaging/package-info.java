/**
 * The model package format: a zip holding {@code manifest.json} (the model manifest the detector
 * reads, plus the SHA-256 and size of every file, creation time and golden frames), the files it
 * names, and {@code manifest.sig}, a detached Ed25519 signature over the manifest's exact bytes
 * with the signing key's id. Codec classes without network I/O, shared by the device, the command
 * line and the rollout console.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.watchpost.models.packaging;
