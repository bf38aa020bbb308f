// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.protocol.ModelProtocol.Status;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TinyOnnx;

/**
 * Bad models that are correctly signed: one that does not load, garbage outputs, a wrong output
 * shape, one that misses its golden frame, one too slow: stopped at validation with the reason.
 * Models that pass validation but fail once they serve: rolled back by probation, with the reason,
 * the previous model active. A detector loop plays the pipeline throughout, so probation sees real
 * calls.
 */
class ValidationAndProbationTest {
  private static Path dir;
  private static KeyPair key;
  private static FaultySwitch faults;
  private static TestDevice device;
  private static Thread pipeline;
  private static final AtomicBoolean running = new AtomicBoolean(true);
  private static int versions = 10;

  @BeforeAll
  static void device() {
    dir = SharedData.scratchDirectory("models-validation");
    key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    device =
        new TestDevice(
            dir.resolve("state"),
            factory,
            dir.resolve("keys"),
            Map.of(
                "probation_s",
                2,
                "probation_min_calls",
                10,
                "latency_factor",
                1.5,
                "validation_runs",
                5),
            s -> faults = new FaultySwitch(s));
    pipeline =
        new Thread(
            () -> {
              Frame frame = ValidationFrames.noise(64, 48);
              while (running.get()) {
                try {
                  device.detector.detect(frame);
                  Thread.sleep(5);
                } catch (Exception e) {
                  // the loop only feeds probation; failures are counted by the detector
                }
              }
            },
            "test-pipeline");
    pipeline.start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    running.set(false);
    pipeline.join(5_000);
    device.close();
  }

  private static Path packageOf(String name, byte[] onnx, long[] outputShape) throws Exception {
    String version = "2." + (++versions) + ".0";
    Path manifest =
        Fixtures.modelDir(
            dir.resolve(name),
            "tiny-yolox",
            version,
            onnx,
            List.of("linux-x86_64", "linux-aarch64"));
    return Fixtures.pack(manifest, dir.resolve(name + ".zip"), key);
  }

  private static String versionOf(Path pkg) throws Exception {
    try (var p =
        org.watchpost.models.packaging.ModelPackage.open(
            pkg,
            org.watchpost.models.packaging.PackageLimits.DEFAULT,
            org.watchpost.models.packaging.TrustedKeys.load(dir.resolve("keys")))) {
      return p.manifest().version();
    }
  }

  private static Notification outcome(Path pkg) throws Exception {
    return device.install(
        pkg,
        "job-" + pkg.getFileName().toString().replace(".zip", ""),
        Set.of(Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK));
  }

  private static void assertStopped(Path pkg, Rejection reason, String messagePart)
      throws Exception {
    String before = device.activeVersion();
    Notification n = outcome(pkg);
    assertEquals("FAILED", n.metrics().get("status"), n.toString());
    assertEquals(reason.code(), n.metrics().get("reason"), n.toString());
    assertTrue(
        n.metrics().get("message").toString().contains(messagePart),
        n.metrics().get("message") + " names " + messagePart);
    assertEquals(before, device.activeVersion(), "the active model serves on");
    System.out.println("stopped at validation: " + n.metrics().get("message"));
  }

  @Test
  void aModelThatDoesNotLoad() throws Exception {
    byte[] garbage = new byte[4096];
    new Random(7).nextBytes(garbage);
    assertStopped(
        packageOf("garbage-bytes", garbage, null), Rejection.LOAD_FAILED, "does not load");
  }

  @Test
  void aTruncatedModelFile() throws Exception {
    byte[] onnx = TinyOnnx.model(TinyOnnx.onePerson());
    assertStopped(
        packageOf("truncated-onnx", java.util.Arrays.copyOf(onnx, onnx.length / 2), null),
        Rejection.LOAD_FAILED,
        "does not load");
  }

  @Test
  void garbageOutputsThatFireEverywhere() throws Exception {
    assertStopped(
        packageOf("everywhere", TinyOnnx.model(TinyOnnx.everywhere()), null),
        Rejection.VALIDATION_FAILED,
        "garbage outputs");
  }

  @Test
  void notANumberInTheOutput() throws Exception {
    assertStopped(
        packageOf("nan", TinyOnnx.model(TinyOnnx.notANumber()), null),
        Rejection.VALIDATION_FAILED,
        "NaN or infinite");
  }

  @Test
  void anOutputOfAnotherShapeThanDeclared() throws Exception {
    float[] c = new float[TinyOnnx.ROWS * 80];
    assertStopped(
        packageOf("shape", TinyOnnx.model(c, new long[] {1, TinyOnnx.ROWS, 80}), null),
        Rejection.VALIDATION_FAILED,
        "shape");
  }

  @Test
  void aModelThatMissesItsGoldenFrame() throws Exception {
    float[] nothing = TinyOnnx.onePerson();
    nothing[20 * TinyOnnx.ROW_LENGTH + 4] = 0.01f;
    assertStopped(
        packageOf("blind", TinyOnnx.model(nothing), null),
        Rejection.VALIDATION_FAILED,
        "finds 0 of the 1 objects expected on golden frame golden/0001.jpg");
  }

  @Test
  void aModelTooSlowForTheDevice() throws Exception {
    Path pkg = packageOf("slow", TinyOnnx.model(TinyOnnx.onePerson()), null);
    faults.faults.put(versionOf(pkg), FaultySwitch.Fault.SLOW_PROBE);
    assertStopped(pkg, Rejection.VALIDATION_FAILED, "too slow");
  }

  private static void assertRolledBack(FaultySwitch.Fault fault, String messagePart)
      throws Exception {
    Path pkg =
        packageOf(
            "probation-" + fault.name().toLowerCase(), TinyOnnx.model(TinyOnnx.onePerson()), null);
    String version = versionOf(pkg);
    faults.faults.put(version, fault);
    String before = device.activeVersion();
    Notification n = outcome(pkg);
    assertEquals("ROLLED_BACK", n.metrics().get("status"), n.toString());
    assertEquals(Rejection.PROBATION_FAILED.code(), n.metrics().get("reason"));
    assertTrue(n.metrics().get("message").toString().contains(messagePart), n.toString());
    assertEquals(version, n.metrics().get("version"), "the report names the model that failed");
    assertEquals(before, device.activeVersion(), "the previous model serves again");
    String state = Files.readString(device.stateDir.resolve("state.json"));
    assertTrue(state.contains("\"probation\": null"), state);
    assertTrue(
        device
                .channel
                .installs(
                    x ->
                        x.metrics().get("status").equals("PROBATION")
                            && version.equals(x.metrics().get("version")))
                .size()
            == 1,
        "it was active before it was rolled back");
    System.out.println("rolled back in probation: " + n.metrics().get("message"));
  }

  @Test
  void errorsWhileServingRollBack() throws Exception {
    assertRolledBack(FaultySwitch.Fault.SERVING_ERRORS, "detector calls failed in probation");
  }

  @Test
  void slowServingRollsBack() throws Exception {
    assertRolledBack(FaultySwitch.Fault.SERVING_SLOW, "median detector time");
  }

  @Test
  void aGoodModelIsKeptAfterProbationAndCanBeRolledBackOnRequest() throws Exception {
    String before = device.activeVersion();
    Path pkg = packageOf("good", TinyOnnx.model(TinyOnnx.onePerson()), null);
    Notification n = outcome(pkg);
    assertEquals("COMPLETED", n.metrics().get("status"), n.toString());
    assertEquals(versionOf(pkg), device.activeVersion());
    Response rollback =
        device.handle(
            new Request("MODEL-V1", "EXEC", List.of("rollback"), "r1", "console", Map.of(), null));
    assertEquals(200, rollback.code(), rollback.toString());
    assertEquals(before, device.activeVersion());
  }

  @Test
  void installedWithoutActivationWaitsForExecActivate() throws Exception {
    Path pkg = packageOf("staged", TinyOnnx.model(TinyOnnx.onePerson()), null);
    String job = "job-staged";
    device.put(pkg, job, false);
    Notification n = device.await(job, Set.of(Status.INSTALLED, Status.FAILED), 30_000);
    assertEquals("INSTALLED", n.metrics().get("status"), n.toString());
    assertTrue(!versionOf(pkg).equals(device.activeVersion()));
    Response activate =
        device.handle(
            new Request("MODEL-V1", "EXEC", List.of("activate"), "r2", "console", Map.of(), null));
    assertEquals(200, activate.code(), activate.toString());
    assertEquals(versionOf(pkg), device.activeVersion());
    long deadline = System.currentTimeMillis() + 10_000;
    while (!"IDLE".equals(device.manager.snapshot().get("state"))
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertEquals("IDLE", device.manager.snapshot().get("state"), "probation ended");
  }
}
