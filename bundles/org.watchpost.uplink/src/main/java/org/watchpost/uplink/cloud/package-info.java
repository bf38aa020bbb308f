/**
 * The uplink in front of a cloud connection the device does not own (Eclipse Kura's
 * CloudPublisher): the outbox, priorities, bandwidth governor and folding of the standalone uplink,
 * handing each message to a {@link org.watchpost.uplink.cloud.CloudTransport} instead of the
 * device's own MQTT session. The uplink never imports the cloud's API: the bundle that speaks it
 * implements the transport and starts a {@link org.watchpost.uplink.cloud.GovernedUplink} over it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.watchpost.uplink.cloud;
