// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.ubyte;
import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.ushort;

import dev.failsafe.RateLimiter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.api.DataItem;
import org.eclipse.milo.opcua.sdk.server.api.EventItem;
import org.eclipse.milo.opcua.sdk.server.api.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.api.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.api.methods.AbstractMethodInvocationHandler;
import org.eclipse.milo.opcua.sdk.server.api.services.AttributeServices.ReadContext;
import org.eclipse.milo.opcua.sdk.server.model.nodes.objects.BaseEventTypeNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaMethodNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaObjectNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.Identifiers;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.ByteString;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address space under {@code Objects/Watchpost}: {@code Device/} with the device's values and
 * {@code Cameras/<cameraId>/} with each camera's status, counts and methods. Nodes are created as
 * the state they mirror first appears; every value is read-only. Alarms are BaseEventType events
 * whose source is the camera, delivered to subscribers of the camera, of the Cameras and Watchpost
 * folders, and of the Server object.
 */
final class WatchpostNamespace extends ManagedNamespaceWithLifecycle {
  static final String URI = "urn:watchpost:device";
  private static final Logger LOG = LoggerFactory.getLogger(WatchpostNamespace.class);

  /**
   * A variable of the device or of a camera: its browse name, data type and what it means (with its
   * unit).
   */
  record Variable(String name, NodeId dataType, String description) {}

  static final Variable MODEL =
      new Variable("Model", Identifiers.String, "Name of the active detection model.");
  static final Variable MODEL_VERSION =
      new Variable("ModelVersion", Identifiers.String, "Version of the active model.");
  static final Variable MODEL_SHA256 =
      new Variable("ModelSha256", Identifiers.String, "SHA-256 of the active model's weights.");
  static final Variable DETECTOR_UP =
      new Variable(
          "DetectorUp", Identifiers.Boolean, "Whether the detector has a verified model loaded.");
  static final Variable UPTIME =
      new Variable("Uptime", Identifiers.Double, "Time since the device booted, seconds.");
  static final Variable CPU_LOAD =
      new Variable(
          "CpuLoad",
          Identifiers.Double,
          "Busy share of all cores since the previous device report, percent.");
  static final Variable CPU_TEMPERATURE =
      new Variable("CpuTemperature", Identifiers.Double, "Processor temperature, degrees Celsius.");
  static final Variable DISK_FREE =
      new Variable("DiskFree", Identifiers.Double, "Free space of the data partition, MiB.");
  static final Variable UPLINK_CONNECTED =
      new Variable(
          "UplinkConnected",
          Identifiers.Boolean,
          "Whether the uplink holds a connection to its broker.");
  static final Variable OUTBOX_DEPTH =
      new Variable("OutboxDepth", Identifiers.Int64, "Messages waiting in the uplink's outbox.");
  static final List<Variable> DEVICE =
      List.of(
          MODEL,
          MODEL_VERSION,
          MODEL_SHA256,
          DETECTOR_UP,
          UPTIME,
          CPU_LOAD,
          CPU_TEMPERATURE,
          DISK_FREE,
          UPLINK_CONNECTED,
          OUTBOX_DEPTH);

  static final Variable STATUS =
      new Variable(
          "Status",
          Identifiers.String,
          "OK, the camera states raised (e.g. "
              + "BLACK,FROZEN), or the source state when it is not running (STARTING, RECONNECTING, ENDED, CLOSED, STOPPED).");
  static final Variable FPS =
      new Variable(
          "Fps", Identifiers.Double, "Frames the pipeline took per second over the last 3 s.");
  static final Variable INFERENCE_MS =
      new Variable(
          "InferenceMs",
          Identifiers.Double,
          "Median detector time per run over the recent past, ms.");
  static final Variable ARMED =
      new Variable(
          "Armed",
          Identifiers.Boolean,
          "Whether the camera's rules raise events (SetArmed changes it).");
  static final Variable LAST_EVENT =
      new Variable(
          "LastEvent",
          Identifiers.String,
          "The camera's last analytics event; its source timestamp is the event's time.");
  static final List<Variable> CAMERA = List.of(STATUS, FPS, INFERENCE_MS, ARMED, LAST_EVENT);

  /** Makes the method handlers of one camera. */
  interface CameraMethods {
    List<AbstractMethodInvocationHandler> create(String cameraId, CameraMethodNodes nodes);
  }

  /** The two method nodes of a camera, for its handlers. */
  record CameraMethodNodes(UaMethodNode resetCounters, UaMethodNode setArmed) {}

  /**
   * A read waits at most this long for its turn; beyond that it is answered
   * Bad_ResourceUnavailable.
   */
  private static final Duration MOST_READ_WAIT = Duration.ofSeconds(5);

  private final SubscriptionModel subscriptions;
  private final CameraMethods methods;

  /**
   * Read requests answered per second, all sessions together: a client polling in a loop gets its
   * answers at this pace instead of taking the cameras' CPU (each request costs its decryption,
   * signature and encryption).
   */
  private final RateLimiter<Object> readPace;

  private final ScheduledExecutorService scheduler;
  private final List<EventItem> eventItems = new CopyOnWriteArrayList<>();
  private final Map<String, UaVariableNode> variables = new ConcurrentHashMap<>();
  private final Map<String, UaObjectNode> cameras = new ConcurrentHashMap<>();
  private final Map<String, UaFolderNode> folders = new ConcurrentHashMap<>();
  private UaFolderNode root;
  private UaFolderNode camerasFolder;
  private UaObjectNode device;

  WatchpostNamespace(
      OpcUaServer server,
      CameraMethods methods,
      long readRequestsPerSecond,
      ScheduledExecutorService scheduler) {
    super(server, URI);
    this.methods = methods;
    this.readPace = RateLimiter.smoothBuilder(readRequestsPerSecond, Duration.ofSeconds(1)).build();
    this.scheduler = scheduler;
    this.subscriptions = new SubscriptionModel(server, this);
    getLifecycleManager().addLifecycle(subscriptions);
    getLifecycleManager().addStartupTask(this::createFixedNodes);
  }

  @Override
  public void read(
      ReadContext context,
      Double maxAge,
      TimestampsToReturn timestamps,
      List<ReadValueId> readValueIds) {
    Duration wait = readPace.tryReservePermits(1, MOST_READ_WAIT);
    if (wait.isNegative()) {
      context.success(
          Collections.nCopies(
              readValueIds.size(),
              new DataValue(new StatusCode(StatusCodes.Bad_ResourceUnavailable))));
    } else if (wait.isZero()) {
      super.read(context, maxAge, timestamps, readValueIds);
    } else {
      scheduler.schedule(
          () -> super.read(context, maxAge, timestamps, readValueIds),
          wait.toNanos(),
          TimeUnit.NANOSECONDS);
    }
  }

  private void createFixedNodes() {
    root = folder("Watchpost", "Watchpost", "This Watchpost camera unit.");
    root.addReference(
        new Reference(
            root.getNodeId(), Identifiers.Organizes, Identifiers.ObjectsFolder.expanded(), false));
    root.setEventNotifier(ubyte(1));
    device =
        object(
            "Watchpost/Device",
            "Device",
            "The device: active model, load, temperature, disk, uplink.");
    root.addOrganizes(device);
    for (Variable v : DEVICE) {
      variable(device, "Watchpost/Device/" + v.name(), v);
    }
    camerasFolder =
        folder("Watchpost/Cameras", "Cameras", "One object per camera the device runs.");
    camerasFolder.setEventNotifier(ubyte(1));
    root.addOrganizes(camerasFolder);
  }

  private UaFolderNode folder(String id, String name, String description) {
    UaFolderNode folder =
        new UaFolderNode(
            getNodeContext(), newNodeId(id), newQualifiedName(name), LocalizedText.english(name));
    folder.setDescription(LocalizedText.english(description));
    getNodeManager().addNode(folder);
    return folder;
  }

  private UaObjectNode object(String id, String name, String description) {
    UaObjectNode object =
        UaObjectNode.builder(getNodeContext())
            .setNodeId(newNodeId(id))
            .setBrowseName(newQualifiedName(name))
            .setDisplayName(LocalizedText.english(name))
            .setDescription(LocalizedText.english(description))
            .setTypeDefinition(Identifiers.BaseObjectType)
            .build();
    getNodeManager().addNode(object);
    return object;
  }

  private UaVariableNode variable(UaNode parent, String id, Variable spec) {
    UaVariableNode node =
        new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
            .setNodeId(newNodeId(id))
            .setBrowseName(newQualifiedName(spec.name()))
            .setDisplayName(LocalizedText.english(spec.name()))
            .setDescription(LocalizedText.english(spec.description()))
            .setDataType(spec.dataType())
            .setTypeDefinition(Identifiers.BaseDataVariableType)
            .setAccessLevel(AccessLevel.READ_ONLY)
            .setUserAccessLevel(AccessLevel.READ_ONLY)
            .setMinimumSamplingInterval(100.0)
            .build();
    node.setValue(new DataValue(StatusCodes.Bad_WaitingForInitialData));
    getNodeManager().addNode(node);
    if (parent instanceof UaFolderNode folder) {
      folder.addOrganizes(node);
    } else if (parent instanceof UaObjectNode object) {
      object.addComponent(node);
    }
    variables.put(id, node);
    return node;
  }

  static String cameraPath(String cameraId) {
    return "Watchpost/Cameras/" + cameraId;
  }

  NodeId cameraNodeId(String cameraId) {
    return newNodeId(cameraPath(cameraId));
  }

  Set<String> cameraIds() {
    return cameras.keySet();
  }

  /**
   * The camera's object, made with its variables, Counts folder and methods when first asked for.
   */
  synchronized UaObjectNode camera(String cameraId) {
    UaObjectNode existing = cameras.get(cameraId);
    if (existing != null) {
      return existing;
    }
    String path = cameraPath(cameraId);
    UaObjectNode camera =
        object(
            path,
            cameraId,
            "Camera "
                + cameraId
                + ": status, frame rate, detector time, "
                + "armed, last event, counts per rule and class; methods ResetCounters() and SetArmed(Boolean).");
    camera.setEventNotifier(ubyte(1));
    camerasFolder.addOrganizes(camera);
    for (Variable v : CAMERA) {
      variable(camera, path + "/" + v.name(), v);
    }
    UaFolderNode counts =
        folder(
            path + "/Counts",
            "Counts",
            "Per zone or line and class: objects counted since "
                + "the last reset (line keys class.in and class.out; class.peak is the most present at once in the last interval).");
    camera.addComponent(counts);
    folders.put(path + "/Counts", counts);
    UaMethodNode reset =
        method(
            camera,
            path + "/ResetCounters",
            "ResetCounters",
            "Zeroes the camera's counts, here and in its analytics.");
    UaMethodNode arm =
        method(
            camera,
            path + "/SetArmed",
            "SetArmed",
            "Arms (true) or disarms (false) the camera's rules; disarmed rules count but raise no events.");
    for (AbstractMethodInvocationHandler handler :
        methods.create(cameraId, new CameraMethodNodes(reset, arm))) {
      UaMethodNode node = handler.getNode();
      node.setInputArguments(handler.getInputArguments());
      node.setOutputArguments(handler.getOutputArguments());
      node.setInvocationHandler(handler);
    }
    cameras.put(cameraId, camera);
    LOG.info("OPC UA: camera {} in the address space", cameraId);
    return camera;
  }

  private UaMethodNode method(UaObjectNode parent, String id, String name, String description) {
    UaMethodNode method =
        UaMethodNode.builder(getNodeContext())
            .setNodeId(newNodeId(id))
            .setBrowseName(newQualifiedName(name))
            .setDisplayName(LocalizedText.english(name))
            .setDescription(LocalizedText.english(description))
            .build();
    getNodeManager().addNode(method);
    parent.addComponent(method);
    return method;
  }

  void setDevice(Variable variable, Object value, long sourceMillis) {
    set(variables.get("Watchpost/Device/" + variable.name()), value, sourceMillis);
  }

  void setCamera(String cameraId, Variable variable, Object value, long sourceMillis) {
    camera(cameraId);
    set(variables.get(cameraPath(cameraId) + "/" + variable.name()), value, sourceMillis);
  }

  /** Sets Counts/{ruleId}/{key} of the camera, making the nodes the first time. */
  void setCount(String cameraId, String ruleId, String key, long value, long sourceMillis) {
    camera(cameraId);
    String rulePath = cameraPath(cameraId) + "/Counts/" + ruleId;
    UaVariableNode node = variables.get(rulePath + "/" + key);
    if (node == null) {
      synchronized (this) {
        UaFolderNode rule = folders.get(rulePath);
        if (rule == null) {
          rule = folder(rulePath, ruleId, "Counts of rule " + ruleId + " by class.");
          folders.get(cameraPath(cameraId) + "/Counts").addOrganizes(rule);
          folders.put(rulePath, rule);
        }
        node = variables.get(rulePath + "/" + key);
        if (node == null) {
          node =
              variable(
                  rule,
                  rulePath + "/" + key,
                  new Variable(
                      key,
                      Identifiers.Int64,
                      key.endsWith(".peak")
                          ? "Most "
                              + key.substring(0, key.length() - 5)
                              + " objects present at once in the last count interval."
                          : "Objects counted (" + key + ") since the last reset."));
        }
      }
    }
    set(node, value, sourceMillis);
  }

  /** Every count variable of the camera, by rule id and key. */
  Map<String, UaVariableNode> countNodes(String cameraId) {
    String prefix = cameraPath(cameraId) + "/Counts/";
    Map<String, UaVariableNode> found = new java.util.TreeMap<>();
    variables.forEach(
        (id, node) -> {
          if (id.startsWith(prefix)) {
            found.put(id.substring(prefix.length()), node);
          }
        });
    return found;
  }

  private static void set(UaVariableNode node, Object value, long sourceMillis) {
    DataValue current = node.getValue();
    Variant variant = value == null ? Variant.NULL_VALUE : new Variant(value);
    if (current != null
        && current.getStatusCode() != null
        && current.getStatusCode().isGood()
        && Objects.equals(current.getValue(), variant)) {
      return;
    }
    node.setValue(
        value == null
            ? new DataValue(StatusCodes.Bad_WaitingForInitialData)
            : new DataValue(
                variant,
                StatusCode.GOOD,
                new DateTime(java.util.Date.from(java.time.Instant.ofEpochMilli(sourceMillis))),
                DateTime.now()));
  }

  /** Raises a BaseEventType event with the camera as its source. */
  void raiseEvent(String cameraId, String message, int severity, long timeMillis) {
    NodeId source = camera(cameraId).getNodeId();
    BaseEventTypeNode event;
    try {
      event =
          getServer()
              .getEventFactory()
              .createEvent(newNodeId(UUID.randomUUID()), Identifiers.BaseEventType);
    } catch (UaException e) {
      LOG.warn("OPC UA: event of camera {} not raised: {}", cameraId, e.getMessage());
      return;
    }
    try {
      UUID id = UUID.randomUUID();
      event.setBrowseName(newQualifiedName("WatchpostAlarm"));
      event.setDisplayName(LocalizedText.english("WatchpostAlarm"));
      event.setEventId(
          ByteString.of(
              ByteBuffer.allocate(16)
                  .putLong(id.getMostSignificantBits())
                  .putLong(id.getLeastSignificantBits())
                  .array()));
      event.setEventType(Identifiers.BaseEventType);
      event.setSourceNode(source);
      event.setSourceName(cameraId);
      event.setTime(new DateTime(java.util.Date.from(java.time.Instant.ofEpochMilli(timeMillis))));
      event.setReceiveTime(DateTime.now());
      event.setMessage(LocalizedText.english(message));
      event.setSeverity(ushort(Math.max(1, Math.min(1000, severity))));
      getServer().getEventBus().post(event);
      Set<NodeId> notifiers = Set.of(source, camerasFolder.getNodeId(), root.getNodeId());
      for (EventItem item : eventItems) {
        if (item.isSamplingEnabled() && notifiers.contains(item.getReadValueId().getNodeId())) {
          item.onEvent(event);
        }
      }
    } finally {
      event.delete();
    }
  }

  @Override
  public void onDataItemsCreated(List<DataItem> items) {
    subscriptions.onDataItemsCreated(items);
  }

  @Override
  public void onDataItemsModified(List<DataItem> items) {
    subscriptions.onDataItemsModified(items);
  }

  @Override
  public void onDataItemsDeleted(List<DataItem> items) {
    subscriptions.onDataItemsDeleted(items);
  }

  @Override
  public void onMonitoringModeChanged(List<MonitoredItem> items) {
    subscriptions.onMonitoringModeChanged(items);
  }

  @Override
  public void onEventItemsCreated(List<EventItem> items) {
    eventItems.addAll(items);
  }

  @Override
  public void onEventItemsDeleted(List<EventItem> items) {
    eventItems.removeAll(items);
  }
}
