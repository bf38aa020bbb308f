/**
 * Fault injection for camera sources: a {@link org.watchpost.api.frame.FrameSource} wrapper that
 * spoils or drops frames on a schedule in stream time, so that camera health can be exercised on
 * real footage by tests and by the simulator.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.watchpost.faults;
