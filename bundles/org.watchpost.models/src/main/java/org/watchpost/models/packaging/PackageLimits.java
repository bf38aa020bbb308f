// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

/**
 * What a device accepts.
 *
 * @param maxPackageBytes the package file itself
 * @param maxUnpackedBytes all files unpacked together
 * @param maxEntries zip entries
 */
public record PackageLimits(long maxPackageBytes, long maxUnpackedBytes, int maxEntries) {
  public static final PackageLimits DEFAULT =
      new PackageLimits(64L << 20, 128L << 20, PackageManifest.MAX_FILES + 2);

  public PackageLimits {
    if (maxPackageBytes <= 0 || maxUnpackedBytes <= 0 || maxEntries < 3) {
      throw new IllegalArgumentException("package limits must be positive (entries at least 3)");
    }
  }
}
