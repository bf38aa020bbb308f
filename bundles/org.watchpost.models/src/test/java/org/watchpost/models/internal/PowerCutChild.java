// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.watchpost.api.remote.Request;
import org.watchpost.inference.internal.DetectorComponent;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.TrustedKeys;
import org.watchpost.testing.Configs;

/**
 * A device in a JVM of its own for the power-cut test. At start it reports what it runs and whether
 * that is what the pointer file names, verified ({@code ACTIVE version CONSISTENT}), and where the
 * transfer it found stands ({@code RESUME offset}, -1 for none); then it asks for the target
 * package over HTTPS unless it runs it already, and prints every committed offset ({@code OFFSET
 * n}) until it is killed, or until the target is kept ({@code DONE}).
 */
public final class PowerCutChild {
  private PowerCutChild() {}

  public static void main(String[] args) throws Exception {
    Path stateDir = Path.of(args[0]);
    Path factory = Path.of(args[1]);
    Path keys = Path.of(args[2]);
    String url = args[3];
    String sha = args[4];
    long size = Long.parseLong(args[5]);
    Path ca = Path.of(args[6]);
    String targetVersion = args[7];
    PrintStream out =
        new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
    DetectorComponent detector =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of("model_manifest", factory.toString(), "warmup_runs", 0)));
    RecordingChannel channel = new RecordingChannel();
    Console console =
        new Console(stateDir.resolveSibling(stateDir.getFileName() + "-console-keys"));
    ModelManager manager =
        new ModelManager(
            ModelsSettings.from(
                Configs.with(
                    ModelsConfig.class,
                    Map.of(
                        "state_dir",
                        stateDir.toString(),
                        "trusted_keys_dir",
                        keys.toString(),
                        "https_ca_file",
                        ca.toString(),
                        "probation_s",
                        1,
                        "validation_runs",
                        1,
                        "https_timeout_s",
                        5,
                        "latency_factor",
                        20.0,
                        "console_keys_dir",
                        console.keysDir.toString(),
                        "https_allowed_hosts",
                        "127.0.0.1,localhost"))),
            detector,
            () -> channel);
    manager.recover();
    // Checked before any new work starts: while it runs, the pointer may lead the detector by one
    // activation.
    out.println(
        "ACTIVE "
            + detector.active().info().version()
            + " "
            + consistency(stateDir, keys, factory, detector));
    manager.resumeTransfers();
    Object offset = manager.snapshot().get("offset");
    out.println("RESUME " + (offset == null ? -1 : offset));
    boolean runsTarget = detector.active().info().version().equals(targetVersion);
    if (!runsTarget && offset == null) {
      manager.handle(
          console.sign(
              new Request(
                  "MODEL-V1",
                  "PUT",
                  List.of("package"),
                  "r",
                  "console",
                  Map.of(
                      "job.id",
                      "cut-" + targetVersion,
                      "package.sha256",
                      sha,
                      "package.size",
                      size,
                      "transport",
                      "https",
                      "url",
                      url),
                  null),
              channel.clientId()));
    }
    Object last = null;
    while (true) {
      Map<String, Object> s = manager.snapshot();
      Object now = s.get("offset");
      if (now != null && !now.equals(last)) {
        out.println("OFFSET " + now);
        last = now;
      }
      if (targetVersion.equals(s.get("active.version")) && "IDLE".equals(s.get("state"))) {
        out.println("DONE " + consistency(stateDir, keys, factory, detector));
        System.exit(0);
      }
      Thread.sleep(5);
    }
  }

  /** Whether the detector runs the model the pointer file names, and that model's files verify. */
  static String consistency(Path stateDir, Path keys, Path factory, DetectorComponent detector) {
    try {
      DeviceState state = new StateFile<>(stateDir.resolve("state.json"), DeviceState.class).read();
      String expected;
      if (state == null || state.active == null) {
        expected = sha256OfModel(factory);
      } else {
        expected =
            new SlotStore(stateDir)
                .verify(state.active.slot, TrustedKeys.load(keys))
                .model()
                .sha256();
      }
      String running = detector.active().info().sha256();
      return running.equals(expected)
          ? "CONSISTENT"
          : "INCONSISTENT runs " + running + ", the pointer names " + expected;
    } catch (Exception e) {
      return "INCONSISTENT " + e;
    }
  }

  private static String sha256OfModel(Path factoryManifest) throws java.io.IOException {
    return ModelPackage.sha256Of(factoryManifest.resolveSibling("model.onnx"));
  }
}
