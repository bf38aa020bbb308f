// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.configuration;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Marker of a component whose configuration Kura's ConfigurationService manages: listed in Kura's
 * UI, kept in its snapshots, its defaults seeded from the component's Metatype.
 */
@ConsumerType
public interface ConfigurableComponent {}
