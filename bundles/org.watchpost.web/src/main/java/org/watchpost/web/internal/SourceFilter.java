// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The site's LAN: requests from any other network are refused before anything else is looked at.
 */
final class SourceFilter {
  private record Network(byte[] prefix, int bits) {}

  private final List<Network> networks;

  SourceFilter(String[] cidrs) {
    List<Network> out = new ArrayList<>();
    for (String cidr : cidrs) {
      String text = cidr.trim();
      int slash = text.indexOf('/');
      if (slash < 0 || text.isEmpty() || !text.matches("[0-9A-Fa-f:.]+/[0-9]{1,3}")) {
        throw new IllegalArgumentException(
            "allowed.sources: '" + cidr + "' is not an address/prefix-length network");
      }
      try {
        byte[] address = InetAddress.getByName(text.substring(0, slash)).getAddress();
        int bits = Integer.parseInt(text.substring(slash + 1));
        if (bits > address.length * 8) {
          throw new IllegalArgumentException(
              "allowed.sources: '" + cidr + "' has a prefix longer than its address");
        }
        out.add(new Network(address, bits));
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(
            "allowed.sources: '" + cidr + "' is not an address/prefix-length network");
      }
    }
    this.networks = List.copyOf(out);
  }

  boolean allows(InetAddress source) {
    if (source == null) {
      return false;
    }
    byte[] a = source.getAddress();
    for (Network n : networks) {
      if (n.prefix().length != a.length) {
        continue;
      }
      int full = n.bits() / 8;
      int rest = n.bits() % 8;
      boolean match = true;
      for (int i = 0; i < full && match; i++) {
        match = a[i] == n.prefix()[i];
      }
      if (match && rest > 0) {
        int mask = (0xff << (8 - rest)) & 0xff;
        match = (a[full] & mask) == (n.prefix()[full] & mask);
      }
      if (match) {
        return true;
      }
    }
    return false;
  }
}
