// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.Request;
import org.watchpost.models.protocol.ModelProtocol;

/**
 * A device's remote channel without a broker: keeps every notification, and answers the device's
 * chunk requests from a package file as the rollout console does (through the same MODEL-V1 PUT
 * chunk request).
 */
final class RecordingChannel implements RemoteChannel {
  final List<Notification> sent = new CopyOnWriteArrayList<>();
  private volatile ModelManager device;
  private volatile Path servedPackage;
  private volatile boolean serving = true;

  void serve(ModelManager manager, Path packageFile) {
    this.device = manager;
    this.servedPackage = packageFile;
  }

  private Path cachedPath;
  private byte[] cached;

  private synchronized byte[] bytes(Path file) throws java.io.IOException {
    if (!file.equals(cachedPath)) {
      cached = Files.readAllBytes(file);
      cachedPath = file;
    }
    return cached;
  }

  void pause(boolean paused) {
    serving = !paused;
  }

  @Override
  public boolean notify(Notification n) {
    sent.add(n);
    if (serving
        && n.resource().equals(ModelProtocol.NOTIFY_CHUNK)
        && device != null
        && servedPackage != null) {
      try {
        long offset = ((Number) n.metrics().get(ModelProtocol.OFFSET)).longValue();
        int length = ((Number) n.metrics().get(ModelProtocol.LENGTH)).intValue();
        byte[] all = bytes(servedPackage);
        byte[] chunk =
            java.util.Arrays.copyOfRange(
                all, (int) offset, (int) Math.min(all.length, offset + length));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(chunk));
        device.handle(
            new Request(
                ModelProtocol.APP_ID,
                "PUT",
                List.of(ModelProtocol.RESOURCE_CHUNK),
                null,
                null,
                Map.of(
                    ModelProtocol.JOB_ID,
                    n.metrics().get(ModelProtocol.JOB_ID),
                    ModelProtocol.OFFSET,
                    offset,
                    ModelProtocol.CHUNK_SHA256,
                    sha),
                chunk));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return true;
  }

  @Override
  public String clientId() {
    return "device-under-test";
  }

  @Override
  public boolean connected() {
    return true;
  }

  List<Notification> installs(Predicate<Notification> filter) {
    return sent.stream()
        .filter(n -> n.resource().equals(ModelProtocol.NOTIFY_INSTALL))
        .filter(filter)
        .toList();
  }

  /** The last install notification of a job. */
  Notification lastStatus(String job) {
    List<Notification> all = installs(n -> job.equals(n.metrics().get(ModelProtocol.JOB_ID)));
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }
}
