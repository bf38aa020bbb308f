/**
 * For host tools (the CLI's {@code opcua-user}): the OPC UA configuration's {@code users} entries,
 * hashed and checked exactly as the server checks them, without reaching into the bundle's internal
 * package.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.opcua.tools;
