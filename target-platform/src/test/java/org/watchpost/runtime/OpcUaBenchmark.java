// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.api.subscriptions.UaSubscription;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.Identifiers;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MonitoringMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.MonitoredItemCreateRequest;
import org.eclipse.milo.opcua.stack.core.types.structured.MonitoringParameters;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.watchpost.opcua.internal.UaTestClient;
import org.watchpost.testing.SharedData;

/**
 * What the OPC UA server costs the pipeline. The runtime jar runs vtest (every frame, as fast as
 * the detector goes, {@code frames} frames) three ways, interleaved, {@code runs} times each:
 * server off; server on with one client subscribed to every variable at 100 ms and to events;
 * server on with a client reading every variable in a loop as fast as the server answers. Measured
 * from frame {@code window.from} (the server is up and the client connected by then; its start-up
 * is not counted) to the end: the pipeline's fps, CPU per frame (the whole process) and the
 * process's resident memory, medians over the runs.
 *
 * <pre>
 * ./mvnw -o verify -pl target-platform -am -DskipTests -Pbenchmark -Dwatchpost.shared=/work/shared
 * </pre>
 */
public final class OpcUaBenchmark {
  private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");
  private static final Pattern FRAME = Pattern.compile("^gate frame (\\d+) ");
  private static final long TICK_MS = 10;

  private record Result(
      double fps, double cpuMsPerFrame, long rssMb, long hwmMb, double readsPerS) {}

  public static void main(String[] args) throws Exception {
    int runs = Integer.getInteger("runs", 3);
    int frames = Integer.getInteger("frames", 1600);
    int windowFrom = Integer.getInteger("window.from", 400);
    List<String> variants = List.of("off", "subscribed", "hammered");
    Map<String, List<Result>> results = new LinkedHashMap<>();
    for (int run = 0; run < runs; run++) {
      for (String variant : variants) {
        Result r = run(variant, frames, windowFrom);
        System.out.printf(
            Locale.ROOT,
            "run %d %-10s fps %.2f  cpu %.1f ms/frame  rss %d MB  peak %d MB  %.0f reads/s%n",
            run + 1,
            variant,
            r.fps,
            r.cpuMsPerFrame,
            r.rssMb,
            r.hwmMb,
            r.readsPerS);
        results.computeIfAbsent(variant, v -> new ArrayList<>()).add(r);
      }
    }
    System.out.println(
        "median of " + runs + " runs, frames " + windowFrom + " to " + frames + " of each:");
    for (var e : results.entrySet()) {
      List<Result> rs = e.getValue();
      System.out.printf(
          Locale.ROOT,
          "%-10s fps %.2f  cpu %.1f ms/frame  rss %d MB  peak %d MB  reads/s %.0f%n",
          e.getKey(),
          median(rs.stream().mapToDouble(Result::fps).toArray()),
          median(rs.stream().mapToDouble(Result::cpuMsPerFrame).toArray()),
          Math.round(median(rs.stream().mapToDouble(Result::rssMb).toArray())),
          Math.round(median(rs.stream().mapToDouble(Result::hwmMb).toArray())),
          median(rs.stream().mapToDouble(Result::readsPerS).toArray()));
    }
  }

  private static Result run(String variant, int frames, int windowFrom) throws Exception {
    Path work = SharedData.scratchDirectory("opcua-bench-" + variant);
    int port = OpcUaRuntimeConfig.freePort();
    Path summary = work.resolve("summary.json");
    // Each frame's detections are printed: the same small cost in every variant, and the frame
    // count in time.
    Map<String, Object> camera =
        Map.of(
            "feed.mode",
            "every_frame",
            "loop",
            true,
            "max.frames",
            frames,
            "summary.file",
            summary.toString(),
            "exit.when.done",
            true,
            "print.detections",
            true);
    Path config =
        OpcUaRuntimeConfig.write(
            work, port, camera, Map.of("enabled", !variant.equals("off")), 60, Map.of());
    try (RuntimeProcess runtime = new RuntimeProcess(work, config)) {
      AtomicBoolean done = new AtomicBoolean();
      Window window = new Window();
      Thread sampler =
          new Thread(
              () -> {
                try {
                  sample(runtime, windowFrom, window);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                } finally {
                  done.set(true);
                }
              });
      sampler.start();
      AtomicLong reads = new AtomicLong();
      long readStart = 0;
      OpcUaClient client = null;
      if (!variant.equals("off")) {
        Matcher m = PASSWORD.matcher(runtime.await(l -> PASSWORD.matcher(l).find(), 120_000));
        m.find();
        runtime.await(l -> l.contains("OPC UA: camera gate in the address space"), 120_000);
        client =
            new UaTestClient("bench")
                .trustedBy(work.resolve("opcua/pki"))
                .connect(
                    "opc.tcp://localhost:" + port + "/watchpost/discovery",
                    "watchpost",
                    m.group(1));
        int ns = client.getNamespaceTable().getIndex("urn:watchpost:device").intValue();
        List<NodeId> variables = new ArrayList<>();
        for (String v : UaTestClient.children(client, new NodeId(ns, "Watchpost/Device"))) {
          variables.add(new NodeId(ns, "Watchpost/Device/" + v));
        }
        for (String v : List.of("Status", "Fps", "InferenceMs", "Armed", "LastEvent")) {
          variables.add(new NodeId(ns, "Watchpost/Cameras/gate/" + v));
        }
        for (String key :
            List.of(
                "main-line/person.in", "main-line/person.out", "lawn/person", "lawn/person.peak")) {
          variables.add(new NodeId(ns, "Watchpost/Cameras/gate/Counts/" + key));
        }
        window.clientReadyFrame = window.lastFrame;
        readStart = System.nanoTime();
        if (variant.equals("subscribed")) {
          subscribe(client, ns, variables);
        } else {
          while (!done.get()) {
            client.readValues(0, TimestampsToReturn.Both, variables).get(10, TimeUnit.SECONDS);
            reads.incrementAndGet();
          }
        }
      }
      sampler.join(900_000);
      long readNanos = System.nanoTime() - readStart;
      if (client != null) {
        client.disconnect().get(10, TimeUnit.SECONDS);
      }
      runtime.process.waitFor(120, TimeUnit.SECONDS);
      if (window.clientReadyFrame > windowFrom) {
        System.out.println(
            "  (the client was ready only at frame "
                + window.clientReadyFrame
                + ", after the window began)");
      }
      long counted = window.endFrame - window.startFrame;
      return new Result(
          counted / ((window.endNanos - window.startNanos) / 1e9),
          (window.endTicks - window.startTicks) * TICK_MS / (double) counted,
          window.rssKb / 1024,
          window.hwmKb / 1024,
          variant.equals("hammered") ? reads.get() / (readNanos / 1e9) : 0);
    }
  }

  /** The measured part of a run: from frame {@code windowFrom} to the camera's end. */
  private static final class Window {
    volatile long lastFrame;
    volatile long clientReadyFrame;
    long startFrame;
    long startNanos;
    long startTicks;
    long endFrame;
    long endNanos;
    long endTicks;
    long rssKb;
    long hwmKb;
  }

  private static void sample(RuntimeProcess runtime, int windowFrom, Window w) throws Exception {
    int seen = 0;
    boolean started = false;
    while (true) {
      List<String> lines = runtime.output;
      boolean finished = false;
      for (; seen < lines.size(); seen++) {
        String line = lines.get(seen);
        Matcher m = FRAME.matcher(line);
        if (m.find()) {
          w.lastFrame = Long.parseLong(m.group(1));
        }
        finished |= line.contains("camera gate finished");
      }
      if (!runtime.process.isAlive()) {
        throw new IllegalStateException("the runtime ended before the camera finished");
      }
      long ticks = runtime.cpuTicks();
      long now = System.nanoTime();
      if (!started && w.lastFrame >= windowFrom) {
        started = true;
        w.startFrame = w.lastFrame;
        w.startNanos = now;
        w.startTicks = ticks;
      }
      if (started) {
        w.rssKb = runtime.statusKb("VmRSS");
        w.hwmKb = runtime.statusKb("VmHWM");
        w.endFrame = w.lastFrame;
        w.endNanos = now;
        w.endTicks = ticks;
      }
      if (finished) {
        return;
      }
      Thread.sleep(20);
    }
  }

  private static void subscribe(OpcUaClient client, int ns, List<NodeId> variables)
      throws Exception {
    UaSubscription subscription =
        client.getSubscriptionManager().createSubscription(100.0).get(10, TimeUnit.SECONDS);
    List<MonitoredItemCreateRequest> requests = new ArrayList<>();
    for (NodeId v : variables) {
      requests.add(
          new MonitoredItemCreateRequest(
              new ReadValueId(v, AttributeId.Value.uid(), null, QualifiedName.NULL_VALUE),
              MonitoringMode.Reporting,
              new MonitoringParameters(uint(requests.size()), 100.0, null, uint(10), true)));
    }
    for (NodeId notifier : List.of(new NodeId(ns, "Watchpost/Cameras/gate"), Identifiers.Server)) {
      requests.add(
          new MonitoredItemCreateRequest(
              new ReadValueId(
                  notifier, AttributeId.EventNotifier.uid(), null, QualifiedName.NULL_VALUE),
              MonitoringMode.Reporting,
              new MonitoringParameters(
                  uint(requests.size()),
                  0.0,
                  ExtensionObject.encode(
                      client.getStaticSerializationContext(), UaTestClient.baseEventFilter()),
                  uint(100),
                  true)));
    }
    subscription.createMonitoredItems(TimestampsToReturn.Both, requests).get(10, TimeUnit.SECONDS);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n == 0
        ? Double.NaN
        : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
