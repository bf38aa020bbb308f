/**
 * The MODEL-V1 remote protocol between a rollout console and devices: resources, metric names,
 * states.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.watchpost.models.protocol;
