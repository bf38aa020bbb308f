// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.api.identity.SignedIdentityToken;
import org.eclipse.milo.opcua.sdk.client.api.identity.UsernameProvider;
import org.eclipse.milo.opcua.sdk.client.api.subscriptions.UaSubscription;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.Identifiers;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MonitoringMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.enumerated.UserTokenType;
import org.eclipse.milo.opcua.stack.core.types.structured.AnonymousIdentityToken;
import org.eclipse.milo.opcua.stack.core.types.structured.CallMethodRequest;
import org.eclipse.milo.opcua.stack.core.types.structured.CallMethodResult;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.MonitoredItemCreateRequest;
import org.eclipse.milo.opcua.stack.core.types.structured.MonitoringParameters;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.SignatureData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.watchpost.analytics.internal.AnalyticsComponent;
import org.watchpost.analytics.internal.AnalyticsConfig;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.event.Priority;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * The component outside a framework, fed the values the pipeline publishes, with the real analytics
 * behind its methods, and a Milo client over TCP: the tree, values, sums, methods, events, security
 * and hostile requests. The pipeline itself is exercised end to end in the runtime's
 * OpcUaRuntimeIT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class OpcUaServerTest {
  private static final String PASSWORD = "Sh0rt-lived-test-password";
  private static final String HASHED = Users.hash(PASSWORD, new java.security.SecureRandom());

  /** What the analytics sends upstream besides the rule events: the operator's arm and disarm. */
  private static final List<Event> upstream = new CopyOnWriteArrayList<>();

  private static final long T0 = 1_795_600_000_000L;
  private static Path pki;

  /**
   * The discovery URL; sessions go to the endpoint it lists, opc.tcp://localhost:port/watchpost.
   */
  private static String url;

  private static OpcUaComponent component;
  private static AnalyticsComponent analytics;
  private static UaTestClient site;
  private static OpcUaClient client;
  private static int ns;

  @BeforeAll
  static void start() throws Exception {
    Path dir = SharedData.scratchDirectory("opcua-server");
    pki = dir.resolve("pki");
    int port = freePort();
    url = "opc.tcp://localhost:" + port + "/watchpost/discovery";
    component = new OpcUaComponent(config(dir, port, Map.of()));
    analytics = new AnalyticsComponent(Configs.defaults(AnalyticsConfig.class));
    component.setCameraControl(analytics);
    Method addEventSink =
        AnalyticsComponent.class.getDeclaredMethod("addEventSink", EventSink.class);
    addEventSink.setAccessible(true);
    addEventSink.invoke(
        analytics,
        new EventSink() {
          @Override
          public void publish(Event event) {
            upstream.add(event);
          }

          @Override
          public void publish(CountSummary counts) {}
        });
    site = new UaTestClient("site-scada").trustedBy(pki);
    client = site.connect(url, "operator", PASSWORD);
    ns = client.getNamespaceTable().getIndex(WatchpostNamespace.URI).intValue();
  }

  static OpcUaConfig config(Path dir, int port, Map<String, Object> overrides) {
    Map<String, Object> values =
        new HashMap<>(
            Map.of(
                "port",
                port,
                "hostname",
                "localhost",
                "bind_address",
                "127.0.0.1",
                "pki_dir",
                dir.resolve("pki").toString(),
                "credential_file",
                dir.resolve("credential").toString(),
                "users",
                new String[] {"operator:" + HASHED},
                "refresh_ms",
                200L,
                "login_failures",
                3,
                "login_window_s",
                3,
                "max_message_bytes",
                256 * 1024));
    values.putAll(overrides);
    return Configs.with(OpcUaConfig.class, values);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.disconnect().get(10, TimeUnit.SECONDS);
    }
    if (component != null) {
      component.deactivate();
    }
  }

  private static NodeId node(String path) {
    return new NodeId(ns, path);
  }

  private static DataValue read(String path) throws Exception {
    return client.readValue(0, TimestampsToReturn.Both, node(path)).get(10, TimeUnit.SECONDS);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within 10 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private static Object value(String path) {
    try {
      DataValue v = read(path);
      return v.getStatusCode().isGood() ? v.getValue().getValue() : v.getStatusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @Order(1)
  void theTreeHoldsTheDeviceAndEachCameraAndCountsAreSummedOverIntervals() throws Exception {
    assertTrue(UaTestClient.children(client, Identifiers.ObjectsFolder).contains("Watchpost"));
    assertEquals(List.of("Device", "Cameras"), UaTestClient.children(client, node("Watchpost")));
    assertTrue(
        UaTestClient.children(client, node("Watchpost/Device"))
            .containsAll(
                List.of(
                    "Model",
                    "ModelVersion",
                    "ModelSha256",
                    "Uptime",
                    "CpuLoad",
                    "CpuTemperature",
                    "DiskFree",
                    "UplinkConnected",
                    "OutboxDepth")));
    assertEquals(
        StatusCode.class,
        value("Watchpost/Device/CpuLoad").getClass(),
        "no value before the first report");

    component.report(
        new HealthReport(
            "device",
            T0,
            Map.of(
                "cpu_load_percent",
                37.5,
                "disk_free_mb",
                1234.0,
                "uptime_s",
                600.0,
                "cpu_temperature_c",
                51.0)));
    component.publish(
        new CountSummary(
            "gate", "main-line", T0, T0 + 10_000, Map.of("person.in", 2L, "person.out", 1L)));
    component.publish(
        new CountSummary("gate", "lawn", T0, T0 + 10_000, Map.of("person", 3L, "person.peak", 2L)));
    component.publish(
        new CountSummary(
            "gate",
            "main-line",
            T0 + 10_000,
            T0 + 20_000,
            Map.of("person.in", 1L, "person.out", 0L)));
    component.publish(
        new CountSummary(
            "gate", "lawn", T0 + 10_000, T0 + 20_000, Map.of("person", 1L, "person.peak", 1L)));
    await(
        () -> Long.valueOf(1).equals(value("Watchpost/Cameras/gate/Counts/lawn/person.peak")),
        "counts mirrored");
    assertEquals(
        3L,
        value("Watchpost/Cameras/gate/Counts/main-line/person.in"),
        "summed over the intervals");
    assertEquals(1L, value("Watchpost/Cameras/gate/Counts/main-line/person.out"));
    assertEquals(4L, value("Watchpost/Cameras/gate/Counts/lawn/person"));
    assertEquals(37.5, value("Watchpost/Device/CpuLoad"));
    assertEquals(51.0, value("Watchpost/Device/CpuTemperature"));
    DataValue load = read("Watchpost/Device/CpuLoad");
    assertEquals(
        T0,
        load.getSourceTime().getJavaTime(),
        "the source timestamp is when the device measured it");

    assertTrue(UaTestClient.children(client, node("Watchpost/Cameras")).contains("gate"));
    assertTrue(
        UaTestClient.children(client, node("Watchpost/Cameras/gate"))
            .containsAll(
                List.of(
                    "Status",
                    "Fps",
                    "InferenceMs",
                    "Armed",
                    "LastEvent",
                    "Counts",
                    "ResetCounters",
                    "SetArmed")));
    assertEquals(
        List.of("lawn", "main-line"),
        UaTestClient.children(client, node("Watchpost/Cameras/gate/Counts")).stream()
            .sorted()
            .toList());
    await(
        () -> Boolean.TRUE.equals(value("Watchpost/Cameras/gate/Armed")),
        "armed read from the analytics");

    component.publish(
        new Event(
            "intrusion",
            "lawn",
            "gate",
            "person",
            12,
            0.9f,
            null,
            T0,
            T0 + 15_000,
            Priority.ALARM,
            Map.of(),
            null));
    await(
        () -> "intrusion lawn person track=12".equals(value("Watchpost/Cameras/gate/LastEvent")),
        "last event");
  }

  @Test
  @Order(2)
  void setArmedAndResetCountersReachTheAnalyticsAndCheckTheirArguments() throws Exception {
    NodeId camera = node("Watchpost/Cameras/gate");
    CallMethodResult disarm =
        client
            .call(
                new CallMethodRequest(
                    camera,
                    node("Watchpost/Cameras/gate/SetArmed"),
                    new Variant[] {new Variant(false)}))
            .get(10, TimeUnit.SECONDS);
    assertEquals(StatusCode.GOOD, disarm.getStatusCode());
    assertFalse(analytics.armed("gate"), "the analytics is disarmed");
    assertEquals(
        false,
        value("Watchpost/Cameras/gate/Armed"),
        "and the variable shows it as soon as the call returns");

    CallMethodResult wrongType =
        client
            .call(
                new CallMethodRequest(
                    camera,
                    node("Watchpost/Cameras/gate/SetArmed"),
                    new Variant[] {new Variant("yes")}))
            .get(10, TimeUnit.SECONDS);
    assertEquals(StatusCodes.Bad_InvalidArgument, wrongType.getStatusCode().getValue());
    assertEquals(StatusCodes.Bad_TypeMismatch, wrongType.getInputArgumentResults()[0].getValue());
    CallMethodResult missing =
        client
            .call(
                new CallMethodRequest(
                    camera, node("Watchpost/Cameras/gate/SetArmed"), new Variant[0]))
            .get(10, TimeUnit.SECONDS);
    assertEquals(StatusCodes.Bad_ArgumentsMissing, missing.getStatusCode().getValue());
    CallMethodResult tooMany =
        client
            .call(
                new CallMethodRequest(
                    camera,
                    node("Watchpost/Cameras/gate/ResetCounters"),
                    new Variant[] {new Variant(1)}))
            .get(10, TimeUnit.SECONDS);
    assertEquals(StatusCodes.Bad_TooManyArguments, tooMany.getStatusCode().getValue());
    assertFalse(analytics.armed("gate"), "bad calls change nothing");

    CallMethodResult arm =
        client
            .call(
                new CallMethodRequest(
                    camera,
                    node("Watchpost/Cameras/gate/SetArmed"),
                    new Variant[] {new Variant(true)}))
            .get(10, TimeUnit.SECONDS);
    assertEquals(StatusCode.GOOD, arm.getStatusCode());
    assertTrue(analytics.armed("gate"));
    // Issue 12 item 10: disarming went no further than one INFO log line.
    List<Event> switches = upstream.stream().filter(e -> e.cameraId().equals("gate")).toList();
    assertEquals(
        List.of("disarmed", "armed"),
        switches.stream().map(Event::type).toList(),
        "bad calls send nothing: " + switches);
    for (Event e : switches) {
      assertEquals(Priority.ALARM, e.priority());
      assertEquals(
          "OPC UA user 'operator' from 127.0.0.1",
          e.attributes().get("requested_by"),
          e.toString());
      assertEquals("true", e.attributes().get("changed"));
    }

    CallMethodResult reset =
        client
            .call(
                new CallMethodRequest(
                    camera, node("Watchpost/Cameras/gate/ResetCounters"), new Variant[0]))
            .get(10, TimeUnit.SECONDS);
    assertEquals(StatusCode.GOOD, reset.getStatusCode());
    assertEquals(
        0L,
        value("Watchpost/Cameras/gate/Counts/main-line/person.in"),
        "zero as soon as the call returns");
    assertEquals(0L, value("Watchpost/Cameras/gate/Counts/lawn/person"));
    component.publish(
        new CountSummary(
            "gate",
            "main-line",
            T0 + 20_000,
            T0 + 30_000,
            Map.of("person.in", 2L, "person.out", 5L)));
    await(
        () -> Long.valueOf(5).equals(value("Watchpost/Cameras/gate/Counts/main-line/person.out")),
        "counting from zero again");
    assertEquals(2L, value("Watchpost/Cameras/gate/Counts/main-line/person.in"));
  }

  @Test
  @Order(3)
  void alarmsAreEventsOnTheCameraAndOnTheServerObject() throws Exception {
    UaSubscription subscription =
        client.getSubscriptionManager().createSubscription(100.0).get(10, TimeUnit.SECONDS);
    List<Variant[]> onCamera = new CopyOnWriteArrayList<>();
    List<Variant[]> onServer = new CopyOnWriteArrayList<>();
    List<MonitoredItemCreateRequest> requests = new ArrayList<>();
    for (NodeId notifier : List.of(node("Watchpost/Cameras/gate"), Identifiers.Server)) {
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
    var items =
        subscription
            .createMonitoredItems(TimestampsToReturn.Both, requests)
            .get(10, TimeUnit.SECONDS);
    items.forEach(
        item -> assertTrue(item.getStatusCode().isGood(), item.getStatusCode().toString()));
    items.get(0).setEventConsumer((java.util.function.Consumer<Variant[]>) onCamera::add);
    items.get(1).setEventConsumer((java.util.function.Consumer<Variant[]>) onServer::add);

    component.alarm(
        new HealthAlarm(
            "gate",
            CameraState.BLACK,
            true,
            "the picture is black (mean luma 3)",
            Map.of("mean_luma", 3.0),
            T0 + 40_000,
            40_000));
    await(
        () -> !onCamera.isEmpty() && !onServer.isEmpty(),
        "the alarm as an event on the camera and the server");
    Variant[] fields = onCamera.get(0);
    assertEquals("gate", fields[1].getValue());
    assertEquals(
        T0 + 40_000,
        ((org.eclipse.milo.opcua.stack.core.types.builtin.DateTime) fields[2].getValue())
            .getJavaTime());
    assertTrue(
        fields[3].getValue().toString().contains("BLACK raised: the picture is black"),
        fields[3].toString());
    assertEquals(600, ((Number) fields[4].getValue()).intValue());
    assertEquals(
        fields[0].getValue(), onServer.get(0)[0].getValue(), "one event, seen in both places");
    await(
        () -> "BLACK".equals(value("Watchpost/Cameras/gate/Status")),
        "status shows the raised state");

    component.alarm(
        new HealthAlarm("gate", CameraState.BLACK, false, "", Map.of(), T0 + 50_000, 50_000));
    await(() -> onCamera.size() == 2, "the clear is an event too");
    assertEquals(200, ((Number) onCamera.get(1)[4].getValue()).intValue());
    await(
        () -> "UNKNOWN".equals(value("Watchpost/Cameras/gate/Status")),
        "no state raised, no source seen");
    client
        .getSubscriptionManager()
        .deleteSubscription(subscription.getSubscriptionId())
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  @Order(4)
  void hostileRequestsGetStatusCodesAndTheServerGoesOn() throws Exception {
    assertEquals(
        StatusCodes.Bad_NodeIdUnknown,
        read("Watchpost/Cameras/nowhere/Status").getStatusCode().getValue());
    StatusCode write =
        client
            .writeValue(
                node("Watchpost/Cameras/gate/Armed"), DataValue.valueOnly(new Variant(false)))
            .get(10, TimeUnit.SECONDS);
    assertEquals(StatusCodes.Bad_NotWritable, write.getValue());
    CallMethodResult wrongObject =
        client
            .call(
                new CallMethodRequest(
                    node("Watchpost/Device"),
                    node("Watchpost/Cameras/gate/SetArmed"),
                    new Variant[] {new Variant(true)}))
            .get(10, TimeUnit.SECONDS);
    assertFalse(wrongObject.getStatusCode().isGood(), wrongObject.getStatusCode().toString());
    CallMethodResult noMethod =
        client
            .call(
                new CallMethodRequest(
                    node("Watchpost/Cameras/gate"),
                    node("Watchpost/Cameras/gate/SelfDestruct"),
                    new Variant[0]))
            .get(10, TimeUnit.SECONDS);
    assertFalse(noMethod.getStatusCode().isGood(), noMethod.getStatusCode().toString());

    List<NodeId> many = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      many.add(node("Watchpost/Device/CpuLoad"));
    }
    ExecutionException tooMany =
        assertThrows(
            ExecutionException.class,
            () -> client.readValues(0, TimestampsToReturn.Both, many).get(10, TimeUnit.SECONDS));
    assertEquals(
        StatusCodes.Bad_TooManyOperations,
        ((UaException) tooMany.getCause()).getStatusCode().getValue());

    // The server announced its largest message when the connection opened; Milo's client keeps to
    // it. A client
    // that does not is in RawTcpTest.
    ExecutionException oversized =
        assertThrows(
            ExecutionException.class,
            () ->
                client
                    .writeValue(
                        node("Watchpost/Cameras/gate/LastEvent"),
                        DataValue.valueOnly(new Variant("x".repeat(1_000_000))))
                    .get(20, TimeUnit.SECONDS));
    assertTrue(
        oversized.getCause().getMessage().contains("max message size: 1000131 > 262144"),
        oversized.toString());
    await(
        () -> {
          try {
            return Double.valueOf(37.5)
                .equals(read("Watchpost/Device/CpuLoad").getValue().getValue());
          } catch (Exception e) {
            return false;
          }
        },
        "the server still answers after the oversized request");
  }

  @Test
  @Order(4)
  void aClientReadingInALoopIsPaced() throws Exception {
    // Default pace: 50 read requests a second for all sessions together.
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    int answered = 0;
    while (System.nanoTime() < end) {
      assertTrue(read("Watchpost/Device/CpuLoad").getStatusCode().isGood());
      answered++;
    }
    // Unpaced, this loop gets several hundred answers a second on this machine.
    assertTrue(answered <= 2 * 50 + 20, "answers in 2 s: " + answered);
    assertTrue(answered >= 10, "answers in 2 s: " + answered);
  }

  @Test
  @Order(4)
  void malformedAndOversizedTcpMessagesCloseOnlyTheirOwnConnection() throws Exception {
    int port = Integer.parseInt(url.split(":")[2].split("/")[0]);
    // Not an OPC UA message at all (its "size" reads as 558 MB): an ERR message, and the connection
    // is closed.
    assertEquals(
        StatusCodes.Bad_TcpMessageTooLarge, RawTcp.errorOf(port, "GARBAGE!GARBAGE!".getBytes()));
    // An unknown message type of a plausible size.
    assertEquals(
        "Bad_TcpMessageTypeInvalid",
        StatusCodes.lookup(RawTcp.errorOf(port, RawTcp.chunkHeader("XYZ", 24)))
            .map(n -> n[0])
            .orElse("?"));
    // A Hello whose endpoint URL claims 2 GB.
    assertTrue(
        RawTcp.closes(port, RawTcp.hello(port, Integer.MAX_VALUE)), "a lying length is refused");
    // A chunk larger than the receive buffer the server announced.
    assertEquals(
        StatusCodes.Bad_TcpMessageTooLarge,
        RawTcp.errorAfterHello(port, RawTcp.chunkHeader("MSG", 100_000_000)));
    // Random bytes after a good Hello, many times over: half of them framed as a well-sized OPN,
    // MSG or CLO chunk,
    // so that the secure channel layer has to parse them.
    java.util.Random random = new java.util.Random(7);
    String[] types = {"OPN", "MSG", "CLO"};
    for (int i = 0; i < 150; i++) {
      byte[] junk = new byte[1 + random.nextInt(300)];
      random.nextBytes(junk);
      if (i % 2 == 0) {
        java.nio.ByteBuffer framed =
            java.nio.ByteBuffer.allocate(8 + junk.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        framed
            .put((types[i % 3] + "F").getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .putInt(8 + junk.length)
            .put(junk);
        junk = framed.array();
      }
      RawTcp.afterHello(port, junk);
    }
    assertEquals(
        37.5, value("Watchpost/Device/CpuLoad"), "the server and the established session go on");
  }

  @Test
  @Order(5)
  void anonymousWrongPasswordUntrustedCertificateAndTheNonePolicyAreRefused() throws Exception {
    EndpointDescription secure =
        UaTestClient.endpoint(
            url, SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
    assertTrue(
        java.util.Arrays.stream(secure.getUserIdentityTokens())
            .noneMatch(t -> t.getTokenType() == UserTokenType.Anonymous),
        "no anonymous token policy is offered");
    // A client that sends an anonymous token all the same.
    ExecutionException forced =
        assertThrows(
            ExecutionException.class,
            () ->
                site.connect(
                    secure,
                    (endpoint, nonce) ->
                        new SignedIdentityToken(
                            new AnonymousIdentityToken("anonymous"),
                            new SignatureData(null, null))));
    assertEquals(
        StatusCodes.Bad_IdentityTokenInvalid, statusOf(forced), "anonymous: " + forced.getCause());

    ExecutionException wrong =
        assertThrows(ExecutionException.class, () -> site.connect(url, "operator", "guess"));
    assertEquals(StatusCodes.Bad_UserAccessDenied, statusOf(wrong));
    ExecutionException unknown =
        assertThrows(ExecutionException.class, () -> site.connect(url, "admin", "admin"));
    assertEquals(StatusCodes.Bad_UserAccessDenied, statusOf(unknown));

    UaTestClient stranger = new UaTestClient("stranger");
    ExecutionException untrusted =
        assertThrows(ExecutionException.class, () -> stranger.connect(url, "operator", PASSWORD));
    assertEquals(StatusCodes.Bad_SecurityChecksFailed, statusOf(untrusted));
    await(
        () -> {
          try (var files = Files.list(pki.resolve("rejected"))) {
            return files.findAny().isPresent();
          } catch (IOException e) {
            return false;
          }
        },
        "the refused certificate is kept in rejected/ for the operator to trust or not");

    List<EndpointDescription> offered =
        org.eclipse.milo.opcua.stack.client.DiscoveryClient.getEndpoints(url)
            .get(10, TimeUnit.SECONDS);
    assertTrue(
        offered.stream()
            .anyMatch(
                e ->
                    e.getEndpointUrl()
                        .equals(
                            "opc.tcp://localhost:"
                                + url.split(":")[2].split("/")[0]
                                + "/watchpost")));
    assertTrue(
        offered.stream()
            .filter(e -> e.getEndpointUrl().endsWith("/watchpost"))
            .allMatch(
                e ->
                    e.getSecurityMode() == MessageSecurityMode.SignAndEncrypt
                        && e.getSecurityPolicyUri().equals(SecurityPolicy.Basic256Sha256.getUri())),
        "only Basic256Sha256/SignAndEncrypt sessions");
    assertTrue(
        offered.stream()
            .noneMatch(e -> e.getSecurityPolicyUri().equals(SecurityPolicy.None.getUri())),
        "the discovery endpoint is not offered for sessions");
    EndpointDescription session = offered.get(0);
    EndpointDescription discovery =
        new EndpointDescription(
            url,
            session.getServer(),
            session.getServerCertificate(),
            MessageSecurityMode.None,
            SecurityPolicy.None.getUri(),
            session.getUserIdentityTokens(),
            session.getTransportProfileUri(),
            session.getSecurityLevel());
    ExecutionException none =
        assertThrows(
            ExecutionException.class,
            () -> site.connect(discovery, new UsernameProvider("operator", PASSWORD)));
    assertFalse(statusOf(none) == 0, "no session over the discovery endpoint");
  }

  @Test
  @Order(6)
  void afterTooManyFailedLoginsEvenTheRightPasswordWaitsForTheWindow() throws Exception {
    Thread.sleep(3_100);
    for (int i = 0; i < 3; i++) {
      assertThrows(ExecutionException.class, () -> site.connect(url, "operator", "guess"));
    }
    ExecutionException locked =
        assertThrows(ExecutionException.class, () -> site.connect(url, "operator", PASSWORD));
    assertEquals(StatusCodes.Bad_UserAccessDenied, statusOf(locked));
    Thread.sleep(3_100);
    OpcUaClient again = site.connect(url, "operator", PASSWORD);
    assertNotNull(again.getSession().get(5, TimeUnit.SECONDS));
    again.disconnect().get(10, TimeUnit.SECONDS);
  }

  private static long statusOf(ExecutionException e) {
    Throwable cause = e.getCause();
    while (cause != null && !(cause instanceof UaException)) {
      cause = cause.getCause();
    }
    return cause == null ? 0 : ((UaException) cause).getStatusCode().getValue();
  }
}
