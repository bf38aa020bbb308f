// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash list of an MQTT transfer: the SHA-256 of each block of the package, in order (see {@link
 * ModelProtocol#BLOCK_SIZE}).
 */
public final class BlockHashes {
  private BlockHashes() {}

  /**
   * The preferred block size, raised (in powers of two) until the package has at most {@link
   * ModelProtocol#MAX_BLOCKS}.
   */
  public static int blockSizeFor(long packageSize, int preferred) {
    int block =
        Math.max(ModelProtocol.MIN_BLOCK_SIZE, Math.min(ModelProtocol.MAX_BLOCK_SIZE, preferred));
    while ((packageSize + block - 1) / block > ModelProtocol.MAX_BLOCKS
        && block < ModelProtocol.MAX_BLOCK_SIZE) {
      block = Math.min(ModelProtocol.MAX_BLOCK_SIZE, block * 2);
    }
    return block;
  }

  public static byte[] of(Path file, int blockSize) throws IOException {
    long size = Files.size(file);
    long blocks = (size + blockSize - 1) / blockSize;
    if (blocks > ModelProtocol.MAX_BLOCKS) {
      throw new IOException(
          file + " has more than " + ModelProtocol.MAX_BLOCKS + " blocks of " + blockSize);
    }
    byte[] out = new byte[(int) blocks * 32];
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[blockSize];
      for (int i = 0; i < blocks; i++) {
        int n = in.readNBytes(buffer, 0, blockSize);
        digest.update(buffer, 0, n);
        System.arraycopy(digest.digest(), 0, out, i * 32, 32);
      }
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
