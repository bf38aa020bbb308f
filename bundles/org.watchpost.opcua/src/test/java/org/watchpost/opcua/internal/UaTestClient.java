// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.api.config.OpcUaClientConfig;
import org.eclipse.milo.opcua.sdk.client.api.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.api.identity.IdentityProvider;
import org.eclipse.milo.opcua.sdk.client.api.identity.UsernameProvider;
import org.eclipse.milo.opcua.stack.client.DiscoveryClient;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.Identifiers;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.NodeClass;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.ContentFilter;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.EventFilter;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.SimpleAttributeOperand;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;

/**
 * A site system's OPC UA client (Milo), with its own application certificate; target-platform's
 * tests use it too.
 */
public final class UaTestClient {
  final KeyPair keyPair;
  final X509Certificate certificate;

  public UaTestClient(String name) throws Exception {
    keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
    certificate =
        new SelfSignedCertificateBuilder(keyPair)
            .setCommonName(name)
            .setApplicationUri("urn:watchpost:test:" + name)
            .addDnsName("localhost")
            .build();
  }

  /** Puts this client's certificate in the server's trust list, as an operator would. */
  public UaTestClient trustedBy(Path pki) throws Exception {
    Path trusted = pki.resolve("trusted/certs");
    Files.createDirectories(trusted);
    Files.write(
        trusted.resolve(
            certificate.getSubjectX500Principal().getName().replaceAll("\\W", "_") + ".der"),
        certificate.getEncoded());
    return this;
  }

  public static EndpointDescription endpoint(
      String discoveryUrl, SecurityPolicy policy, MessageSecurityMode mode) throws Exception {
    return DiscoveryClient.getEndpoints(discoveryUrl).get(10, TimeUnit.SECONDS).stream()
        .filter(
            e -> e.getSecurityPolicyUri().equals(policy.getUri()) && e.getSecurityMode() == mode)
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no " + policy + "/" + mode + " endpoint at " + discoveryUrl));
  }

  public OpcUaClient connect(EndpointDescription endpoint, IdentityProvider identity)
      throws Exception {
    OpcUaClientConfig config =
        OpcUaClientConfig.builder()
            .setApplicationName(LocalizedText.english("watchpost test client"))
            .setApplicationUri(
                certificate.getSubjectAlternativeNames().stream()
                    .filter(n -> Integer.valueOf(6).equals(n.get(0)))
                    .map(n -> n.get(1).toString())
                    .findFirst()
                    .orElseThrow())
            .setKeyPair(keyPair)
            .setCertificate(certificate)
            .setEndpoint(endpoint)
            .setIdentityProvider(identity)
            .setRequestTimeout(uint(10_000))
            .build();
    OpcUaClient client = OpcUaClient.create(config);
    try {
      client.connect().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      client.disconnect().get(5, TimeUnit.SECONDS);
      throw e;
    }
    return client;
  }

  public OpcUaClient connect(String discoveryUrl, String user, String password) throws Exception {
    return connect(
        endpoint(discoveryUrl, SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt),
        user == null ? new AnonymousProvider() : new UsernameProvider(user, password));
  }

  /** The browse names of a node's hierarchical children. */
  public static List<String> children(OpcUaClient client, NodeId node) throws Exception {
    BrowseResult result =
        client
            .browse(
                new BrowseDescription(
                    node,
                    BrowseDirection.Forward,
                    Identifiers.HierarchicalReferences,
                    true,
                    uint(
                        NodeClass.Object.getValue()
                            | NodeClass.Variable.getValue()
                            | NodeClass.Method.getValue()),
                    uint(BrowseResultMask.All.getValue())))
            .get(10, TimeUnit.SECONDS);
    List<String> names = new ArrayList<>();
    if (result.getReferences() != null) {
      for (ReferenceDescription r : result.getReferences()) {
        names.add(r.getBrowseName().getName());
      }
    }
    return names;
  }

  /** Selects EventId, SourceName, Time, Message and Severity of BaseEventType events. */
  public static EventFilter baseEventFilter() {
    String[] fields = {"EventId", "SourceName", "Time", "Message", "Severity"};
    SimpleAttributeOperand[] select = new SimpleAttributeOperand[fields.length];
    for (int i = 0; i < fields.length; i++) {
      select[i] =
          new SimpleAttributeOperand(
              Identifiers.BaseEventType,
              new QualifiedName[] {new QualifiedName(0, fields[i])},
              AttributeId.Value.uid(),
              null);
    }
    return new EventFilter(select, new ContentFilter(null));
  }
}
