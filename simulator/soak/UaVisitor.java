import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.api.config.OpcUaClientConfig;
import org.eclipse.milo.opcua.sdk.client.api.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.api.subscriptions.UaSubscription;
import org.eclipse.milo.opcua.stack.client.DiscoveryClient;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.Identifiers;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.NodeClass;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;

/**
 * The soak's OPC UA client (a site's SCADA that comes and goes): one JVM for the whole soak, one visit per line
 * "visit" on stdin: discover, connect anonymously on the None endpoint, browse the address space three levels
 * under Objects, read every variable found, subscribe for a moment, disconnect. Prints "VISIT ok N" (variables
 * read) or "VISIT failed REASON". Run by soak.py with Milo's client on the class path (java UaVisitor.java URL).
 */
public final class UaVisitor {
  public static void main(String[] args) throws Exception {
    String discovery = args[0];
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      if (!line.strip().equals("visit")) {
        continue;
      }
      try {
        System.out.println("VISIT ok " + visit(discovery));
      } catch (Exception e) {
        System.out.println("VISIT failed " + String.valueOf(e).replace('\n', ' '));
      }
      System.out.flush();
    }
  }

  private static int visit(String discovery) throws Exception {
    EndpointDescription endpoint = DiscoveryClient.getEndpoints(discovery).get(20, TimeUnit.SECONDS).stream()
        .filter(e -> e.getSecurityPolicyUri().equals(SecurityPolicy.None.getUri()) && e.getSecurityMode() == MessageSecurityMode.None)
        .findFirst().orElseThrow(() -> new IllegalStateException("no None endpoint at " + discovery));
    OpcUaClient client = OpcUaClient.create(OpcUaClientConfig.builder()
        .setApplicationName(LocalizedText.english("watchpost soak visitor"))
        .setApplicationUri("urn:watchpost:soak:visitor")
        .setEndpoint(endpoint).setIdentityProvider(new AnonymousProvider()).setRequestTimeout(uint(20_000)).build());
    try {
      client.connect().get(30, TimeUnit.SECONDS);
      int read = 0;
      Deque<NodeId[]> frontier = new ArrayDeque<>();
      frontier.add(new NodeId[] {Identifiers.ObjectsFolder, NodeId.parse("i=0")});
      NodeId firstVariable = null;
      for (int depth = 0; depth < 3 && !frontier.isEmpty(); depth++) {
        Deque<NodeId[]> next = new ArrayDeque<>();
        for (NodeId[] node : frontier) {
          BrowseResult result = client.browse(new BrowseDescription(node[0], BrowseDirection.Forward,
              Identifiers.HierarchicalReferences, true, uint(NodeClass.Object.getValue() | NodeClass.Variable.getValue()),
              uint(BrowseResultMask.All.getValue()))).get(20, TimeUnit.SECONDS);
          if (result.getReferences() == null) {
            continue;
          }
          for (ReferenceDescription r : result.getReferences()) {
            NodeId child = r.getNodeId().toNodeId(client.getNamespaceTable()).orElse(null);
            if (child == null || child.getNamespaceIndex().intValue() == 0) {
              continue; // the standard Server object: the device's own nodes are what a site reads
            }
            if (r.getNodeClass() == NodeClass.Variable) {
              client.readValue(0, TimestampsToReturn.Both, child).get(20, TimeUnit.SECONDS);
              read++;
              firstVariable = firstVariable == null ? child : firstVariable;
            }
            next.add(new NodeId[] {child});
          }
        }
        frontier = next;
      }
      if (firstVariable != null) {
        UaSubscription subscription = client.getSubscriptionManager().createSubscription(500.0).get(20, TimeUnit.SECONDS);
        subscription.createMonitoredItems(TimestampsToReturn.Both, java.util.List.of(
            new org.eclipse.milo.opcua.stack.core.types.structured.MonitoredItemCreateRequest(
                new ReadValueId(firstVariable, AttributeId.Value.uid(), null, null),
                org.eclipse.milo.opcua.stack.core.types.enumerated.MonitoringMode.Reporting,
                new org.eclipse.milo.opcua.stack.core.types.structured.MonitoringParameters(uint(1), 500.0, null, uint(10), true))))
            .get(20, TimeUnit.SECONDS);
        Thread.sleep(1500);
        client.getSubscriptionManager().deleteSubscription(subscription.getSubscriptionId()).get(20, TimeUnit.SECONDS);
      }
      return read;
    } finally {
      client.disconnect().get(20, TimeUnit.SECONDS);
    }
  }
}
