// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.watchpost.analytics.internal.rules.Point;
import org.watchpost.analytics.internal.rules.Rule;
import org.watchpost.api.pipeline.RuleShape;

/**
 * Rule configurations checked before they are saved (the installer's page), by the very code that
 * checks them when they are in force: the properties become a {@link RuleConfig} the way
 * Declarative Services makes one (attribute {@code a_b()} is property {@code a.b}, an absent
 * property takes the attribute's default), then {@link RuleComponent#input} and {@link
 * AnalyticsComponent#build}.
 */
final class RuleChecks {
  private RuleChecks() {}

  static String problem(
      String name,
      Map<String, Object> properties,
      List<org.watchpost.analytics.internal.RuleSource> others) {
    RuleConfig config = config(properties);
    String pid = RuleConfig.PID + "~" + name;
    List<org.watchpost.analytics.internal.rules.RuleParser.Input> inputs = new ArrayList<>();
    for (RuleSource other : others) {
      if (!other.pid().equals(pid)) {
        inputs.add(other.input());
      }
    }
    org.watchpost.analytics.internal.rules.RuleParser.Input mine;
    try {
      // The proxy converts lazily: a value of the wrong type shows here.
      mine = RuleComponent.input(config, pid);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    inputs.add(mine);
    RuleBook book = AnalyticsComponent.build(inputs);
    String id = mine.ruleId() == null ? "" : mine.ruleId().trim();
    String reason = book.rejected().get(id);
    if (reason == null && book.rules().stream().noneMatch(r -> r.id().equals(id))) {
      reason = book.rejected().values().stream().findFirst().orElse("rejected");
    }
    return reason;
  }

  static RuleShape shape(Rule rule) {
    List<Point> points =
        rule.zone() != null ? rule.zone().points() : rule.line() == null ? List.of() : rule.line();
    List<double[]> xy = points.stream().map(p -> new double[] {p.x(), p.y()}).toList();
    return new RuleShape(
        rule.id(), rule.type().configName(), xy, rule.direction().name().toLowerCase(Locale.ROOT));
  }

  /** The configuration interface over plain properties, as Declarative Services would build it. */
  static RuleConfig config(Map<String, Object> properties) {
    return (RuleConfig)
        Proxy.newProxyInstance(
            RuleConfig.class.getClassLoader(),
            new Class<?>[] {RuleConfig.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class || method.getParameterCount() > 0) {
                return switch (method.getName()) {
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> "RuleConfig" + properties;
                };
              }
              if (method.getName().equals("annotationType")) {
                return RuleConfig.class;
              }
              String property = method.getName().replace('_', '.');
              Object value = properties.get(property);
              return value == null ? method.getDefaultValue() : coerce(value, method, property);
            });
  }

  private static Object coerce(Object value, Method method, String property) {
    Class<?> type = method.getReturnType();
    try {
      if (type == String.class) {
        return first(value).toString();
      }
      if (type == String[].class) {
        if (value instanceof String[] strings) {
          return strings.clone();
        }
        if (value instanceof Collection<?> c) {
          return c.stream().map(String::valueOf).toArray(String[]::new);
        }
        if (value.getClass().isArray()) {
          String[] out = new String[Array.getLength(value)];
          for (int i = 0; i < out.length; i++) {
            out[i] = String.valueOf(Array.get(value, i));
          }
          return out;
        }
        return new String[] {value.toString()};
      }
      Object one = first(value);
      if (type == double.class) {
        return one instanceof Number n
            ? n.doubleValue()
            : Double.parseDouble(one.toString().trim());
      }
      if (type == int.class) {
        return one instanceof Number n ? n.intValue() : Integer.parseInt(one.toString().trim());
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(property + " must be a number, was '" + value + "'");
    }
    throw new IllegalArgumentException(property + ": unsupported type " + type);
  }

  private static Object first(Object value) {
    if (value instanceof Collection<?> c) {
      return c.isEmpty() ? "" : c.iterator().next();
    }
    if (value.getClass().isArray()) {
      return Array.getLength(value) == 0 ? "" : Array.get(value, 0);
    }
    return value;
  }
}
