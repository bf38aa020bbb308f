// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeMap;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Every OpenCV {@code Mat} made (any constructor, so also submat/clone results and every MatOf*)
 * and every one released, counted by instrumenting {@code org.opencv.core.Mat} itself: no call site
 * has to cooperate, so a Mat made anywhere on the measured paths and left to the finaliser is seen.
 * Test-only: Byte Buddy's agent retransforms the class already loaded. Used by the analytics
 * bundle's per-frame guard and the live view's.
 */
public final class MatLedger {
  /**
   * The prefix of a site where the Mat was made inside OpenCV's own Java wrapper (a List argument
   * converted).
   */
  public static final String OPENCV_TEMPORARY = "opencv-wrapper-temporary@";

  private static final Map<Object, String> LIVE = new IdentityHashMap<>();
  private static volatile boolean recording;
  private static long made;
  private static long released;
  private static boolean installed;

  private MatLedger() {}

  public static synchronized void install() {
    if (installed) {
      return;
    }
    new AgentBuilder.Default()
        .disableClassFormatChanges()
        .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
        .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
        .ignore(net.bytebuddy.matcher.ElementMatchers.none())
        .type(named("org.opencv.core.Mat"))
        .transform(
            (builder, type, loader, module, domain) ->
                builder
                    .visit(Advice.to(Made.class).on(isConstructor()))
                    .visit(Advice.to(Released.class).on(named("release").and(takesArguments(0)))))
        .installOn(ByteBuddyAgent.install());
    installed = true;
  }

  /** Forgets what was seen and records from now on. */
  public static synchronized void start() {
    LIVE.clear();
    made = 0;
    released = 0;
    recording = true;
  }

  public static synchronized void stop() {
    recording = false;
  }

  public static synchronized long made() {
    return made;
  }

  public static synchronized long released() {
    return released;
  }

  /**
   * Mats made since {@link #start} and not released, by the first call site outside OpenCV that
   * made them; those OpenCV's wrapper made for itself are left out (see {@link
   * #wrapperTemporariesBySite}).
   */
  public static synchronized Map<String, Integer> unreleasedBySite() {
    Map<String, Integer> sites = new TreeMap<>();
    LIVE.values().stream()
        .filter(s -> !s.startsWith(OPENCV_TEMPORARY))
        .forEach(site -> sites.merge(site, 1, Integer::sum));
    return sites;
  }

  /**
   * Temporaries OpenCV's Java wrapper made and left to its finaliser, by the call site that called
   * it.
   */
  public static synchronized Map<String, Integer> wrapperTemporariesBySite() {
    Map<String, Integer> sites = new TreeMap<>();
    LIVE.values().stream()
        .filter(s -> s.startsWith(OPENCV_TEMPORARY))
        .forEach(site -> sites.merge(site.substring(OPENCV_TEMPORARY.length()), 1, Integer::sum));
    return sites;
  }

  public static void made(Object mat) {
    if (!recording) {
      return;
    }
    String site =
        StackWalker.getInstance()
            .walk(
                frames -> {
                  boolean[] converter = {false};
                  String caller =
                      frames
                          .filter(f -> !f.getClassName().equals(MatLedger.class.getName()))
                          .peek(
                              f ->
                                  converter[0] |=
                                      f.getClassName().equals("org.opencv.utils.Converters"))
                          .filter(f -> !f.getClassName().startsWith("org.opencv."))
                          .findFirst()
                          .map(
                              f ->
                                  f.getClassName()
                                      + "."
                                      + f.getMethodName()
                                      + ":"
                                      + f.getLineNumber())
                          .orElse("?");
                  // OpenCV's generated wrappers turn a List<MatOf...> argument into a temporary Mat
                  // (Converters) that they
                  // never release and the caller cannot reach: kept apart, see OPENCV_TEMPORARY.
                  return converter[0] ? OPENCV_TEMPORARY + caller : caller;
                });
    synchronized (MatLedger.class) {
      // A constructor that delegates to another is seen twice for one object; the identity map
      // counts it once.
      if (LIVE.put(mat, site) == null) {
        made++;
      }
    }
  }

  public static void released(Object mat) {
    if (!recording) {
      return;
    }
    synchronized (MatLedger.class) {
      if (LIVE.remove(mat) != null) {
        released++;
      }
    }
  }

  static final class Made {
    @Advice.OnMethodExit
    static void exit(@Advice.This Object mat) {
      MatLedger.made(mat);
    }
  }

  static final class Released {
    @Advice.OnMethodExit
    static void exit(@Advice.This Object mat) {
      MatLedger.released(mat);
    }
  }
}
