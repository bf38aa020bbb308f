// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Calls into services of the running framework. The test sees org.osgi.framework through the system
 * bundle, but service types such as ConfigurationAdmin come from bundles with their own class
 * loaders.
 */
final class Reflect {
  private Reflect() {}

  static Object call(Object target, String name, Object... args) {
    for (Method method : target.getClass().getMethods()) {
      if (method.getName().equals(name) && method.getParameterCount() == args.length) {
        try {
          method.setAccessible(true);
          return method.invoke(target, args);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(
              name + " failed on " + target, e.getCause() != null ? e.getCause() : e);
        }
      }
    }
    throw new IllegalArgumentException(
        target.getClass() + " has no method " + name + "/" + args.length);
  }

  static Object field(Object target, String name) {
    try {
      Field field = target.getClass().getField(name);
      return field.get(target);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(target.getClass() + " has no field " + name, e);
    }
  }
}
