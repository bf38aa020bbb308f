/**
 * The KuraPayload wire format and the Kura topic namespace, with no I/O: what the device sends and
 * what a receiver (the demo's broker monitor, a test) decodes.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.watchpost.uplink.codec;
