// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.event.Priority;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.models.protocol.ModelProtocol.Status;

/**
 * MODEL-V1 notifications to the console that asked: job status and chunk requests. Holds no state;
 * any thread (the channel queues and never blocks).
 */
final class Notifier {
  private final Supplier<RemoteChannel> channel;
  private final ModelSwitch modelSwitch;

  Notifier(Supplier<RemoteChannel> channel, ModelSwitch modelSwitch) {
    this.channel = channel;
    this.modelSwitch = modelSwitch;
  }

  /** The model the detector runs now; null when none. */
  ModelInfo activeInfo() {
    LoadedModel running = modelSwitch.active();
    return running == null ? null : running.info();
  }

  void status(
      String requester,
      String jobId,
      Status status,
      DeviceState.Installed model,
      Rejection reason,
      String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(ModelProtocol.JOB_ID, jobId == null ? "" : jobId);
    m.put(ModelProtocol.STATUS, status.name());
    if (model != null) {
      m.put(ModelProtocol.NAME, model.name);
      m.put(ModelProtocol.VERSION, model.version);
    }
    if (reason != null) {
      m.put(ModelProtocol.REASON, reason.code());
    }
    m.put(ModelProtocol.MESSAGE, message == null ? "" : message);
    ModelInfo running = activeInfo();
    if (running != null) {
      m.put(ModelProtocol.ACTIVE_VERSION, running.version());
    }
    send(
        requester,
        ModelProtocol.NOTIFY_INSTALL,
        m,
        status.terminal() || status == Status.PROBATION ? Priority.EVENT : Priority.HEALTH,
        0);
  }

  /**
   * @return false when there is no channel or requester, or the channel did not take it
   */
  boolean send(
      String requester,
      String resource,
      Map<String, Object> metrics,
      Priority priority,
      int replyBytes) {
    RemoteChannel c = channel.get();
    if (c == null || requester == null) {
      return false;
    }
    return c.notify(
        new Notification(ModelProtocol.APP_ID, requester, resource, metrics, priority, replyBytes));
  }

  /** The uplink's channel; null while there is none. */
  RemoteChannel channel() {
    return channel.get();
  }

  /** This device's client id on the channel; null when there is no channel. */
  String clientId() {
    RemoteChannel c = channel.get();
    return c == null ? null : c.clientId();
  }
}
