// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

/**
 * The broker acknowledged a publish with an error reason code (MQTT 5): the message will not be
 * accepted as it is.
 */
final class BrokerRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  BrokerRefusedException(String topic, int reasonCode) {
    super(
        "broker refused the publish to "
            + topic
            + " with reason code 0x"
            + Integer.toHexString(reasonCode));
  }
}
