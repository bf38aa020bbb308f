// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.tools;

import java.util.Map;
import org.osgi.util.converter.Converters;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;

/** The capture service a device runs, outside a framework. */
public final class HostCapture {
  private HostCapture() {}

  /**
   * The capture component with every setting at its Metatype default but those given, keyed by
   * their DS property names ({@code reconnect.initial.ms}), made into its configuration by the OSGi
   * Converter as DS makes it.
   */
  public static CaptureService create(Map<String, Object> properties) {
    return new CaptureComponent(
        Converters.standardConverter().convert(properties).to(CaptureConfig.class));
  }

  /** {@link #create(Map)} with every setting at its default. */
  public static CaptureService withDefaults() {
    return create(Map.of());
  }
}
