// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Instances of component configuration annotations for tests outside a framework: every attribute
 * takes its Metatype default unless overridden by its method name.
 */
public final class Configs {
  private Configs() {}

  public static <A> A defaults(Class<A> type) {
    return with(type, Map.of());
  }

  public static <A> A with(Class<A> type, Map<String, Object> overrides) {
    Map<String, Object> values = new HashMap<>(overrides);
    for (String name : overrides.keySet()) {
      try {
        type.getMethod(name);
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException(type.getSimpleName() + " has no attribute " + name);
      }
    }
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                  case "toString" -> type.getSimpleName() + values;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> throw new UnsupportedOperationException(method.getName());
                };
              }
              if (method.getName().equals("annotationType")) {
                return type;
              }
              return values.containsKey(method.getName())
                  ? values.get(method.getName())
                  : defaultOf(method);
            }));
  }

  private static Object defaultOf(Method method) {
    Object value = method.getDefaultValue();
    if (value == null) {
      throw new IllegalStateException(method + " has no default; give it in the overrides");
    }
    return value;
  }
}
