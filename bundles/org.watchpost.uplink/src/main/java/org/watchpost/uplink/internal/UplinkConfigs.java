// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * An {@link UplinkConfig} from component properties by their DS names ({@code budget.bits.per.s}
 * for {@code budget_bits_per_s}), as SCR would make it: for the governed uplink, whose component is
 * another bundle's. Absent properties take the Metatype default; values are converted from numbers
 * and text.
 */
public final class UplinkConfigs {
  private UplinkConfigs() {}

  public static UplinkConfig from(Map<String, ?> properties) {
    Map<String, Object> values = new HashMap<>();
    for (Method m : UplinkConfig.class.getDeclaredMethods()) {
      Object given = properties.get(m.getName().replace('_', '.'));
      values.put(
          m.getName(),
          given == null ? m.getDefaultValue() : convert(m.getName(), given, m.getReturnType()));
    }
    return (UplinkConfig)
        Proxy.newProxyInstance(
            UplinkConfig.class.getClassLoader(),
            new Class<?>[] {UplinkConfig.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                  case "toString" -> "UplinkConfig" + values.keySet();
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> throw new UnsupportedOperationException(method.getName());
                };
              }
              if (method.getName().equals("annotationType")) {
                return UplinkConfig.class;
              }
              return values.get(method.getName());
            });
  }

  private static Object convert(String name, Object value, Class<?> type) {
    try {
      if (type == String.class) {
        return String.valueOf(value);
      }
      if (type == boolean.class) {
        return value instanceof Boolean b ? b : Boolean.parseBoolean(String.valueOf(value).strip());
      }
      if (value instanceof Number n) {
        return type == int.class
            ? (Object) Math.toIntExact(n.longValue())
            : type == long.class ? (Object) n.longValue() : (Object) n.doubleValue();
      }
      String s = String.valueOf(value).strip();
      return type == int.class
          ? (Object) Integer.parseInt(s)
          : type == long.class ? (Object) Long.parseLong(s) : (Object) Double.parseDouble(s);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "uplink property "
              + name.replace('_', '.')
              + ": not a "
              + type.getSimpleName()
              + ": "
              + value,
          e);
    }
  }
}
