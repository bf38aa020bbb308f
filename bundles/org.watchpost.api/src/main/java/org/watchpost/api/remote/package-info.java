/**
 * Remote commands in Eclipse Kura's request/response pattern: handlers per application id (such as
 * {@code MODEL-V1}) that the uplink subscribes for, and the channel they answer and notify through.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.api.remote;
