// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The configuration reference, generated from the Metatype descriptions inside the runtime's
 * bundles: the same descriptions a Kura-style web UI renders, so the README cannot drift from the
 * code.
 */
@Command(
    name = "config-reference",
    mixinStandardHelpOptions = true,
    description =
        "Print every configurable component (PID, properties, types, defaults) as Markdown, from the bundles' Metatype.")
final class ConfigReferenceCommand implements Callable<Integer> {
  @Option(
      names = "--bundles",
      description =
          "Directory of the run bundles (default: target-platform/target/runbundles/export/watchpost).")
  Path bundles;

  @Override
  public Integer call() throws Exception {
    Path directory =
        bundles != null
            ? bundles
            : Home.root().resolve("target-platform/target/runbundles/export/watchpost");
    Map<String, String> sections = new TreeMap<>();
    try (Stream<Path> jars = Files.list(directory)) {
      for (Path jar :
          jars.filter(p -> p.getFileName().toString().startsWith("org.watchpost.")).toList()) {
        try (JarFile file = new JarFile(jar.toFile())) {
          for (var entry :
              file.stream()
                  .filter(
                      e ->
                          e.getName().startsWith("OSGI-INF/metatype/")
                              && e.getName().endsWith(".xml"))
                  .toList()) {
            try (InputStream in = file.getInputStream(entry)) {
              sections.putAll(render(parse(in)));
            }
          }
        }
      }
    }
    System.out.print(String.join("\n", sections.values()));
    return 0;
  }

  private static Document parse(InputStream in)
      throws ParserConfigurationException, SAXException, IOException {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setNamespaceAware(false);
    return factory.newDocumentBuilder().parse(in);
  }

  private static Map<String, String> render(Document document) {
    Map<String, String> sections = new TreeMap<>();
    Map<String, Boolean> factoryPids = new TreeMap<>();
    NodeList designates = document.getElementsByTagName("Designate");
    for (int i = 0; i < designates.getLength(); i++) {
      Element designate = (Element) designates.item(i);
      String pid =
          designate.hasAttribute("factoryPid")
              ? designate.getAttribute("factoryPid")
              : designate.getAttribute("pid");
      Element object = (Element) designate.getElementsByTagName("Object").item(0);
      factoryPids.put(object.getAttribute("ocdref"), designate.hasAttribute("factoryPid"));
      factoryPids.putIfAbsent(pid, designate.hasAttribute("factoryPid"));
    }
    NodeList ocds = document.getElementsByTagName("OCD");
    for (int i = 0; i < ocds.getLength(); i++) {
      Element ocd = (Element) ocds.item(i);
      String id = ocd.getAttribute("id");
      boolean factory = factoryPids.getOrDefault(id, false);
      StringBuilder out = new StringBuilder();
      out.append("### ")
          .append(ocd.getAttribute("name"))
          .append(" — `")
          .append(id)
          .append(factory ? "~NAME" : "")
          .append("`\n\n")
          .append(ocd.getAttribute("description"))
          .append(
              factory && !ocd.getAttribute("description").contains("factory PID")
                  ? " One configuration per instance (factory PID)."
                  : "")
          .append("\n\n");
      out.append("| property | type | default | meaning |\n|---|---|---|---|\n");
      NodeList attributes = ocd.getElementsByTagName("AD");
      for (int a = 0; a < attributes.getLength(); a++) {
        Element ad = (Element) attributes.item(a);
        List<String> options = new ArrayList<>();
        NodeList optionNodes = ad.getElementsByTagName("Option");
        for (int o = 0; o < optionNodes.getLength(); o++) {
          options.add("`" + ((Element) optionNodes.item(o)).getAttribute("value") + "`");
        }
        String type = ad.getAttribute("type") + (ad.hasAttribute("cardinality") ? "[]" : "");
        String meaning =
            (ad.getAttribute("name") + ". " + ad.getAttribute("description")).trim()
                + (options.isEmpty() ? "" : " One of " + String.join(", ", options) + ".");
        // Metatype escapes spaces and commas inside a value with a backslash; the reader wants the
        // value.
        String defaultValue =
            ad.hasAttribute("default")
                ? "`" + ad.getAttribute("default").replaceAll("\\\\([ ,\\\\])", "$1") + "`"
                : "(required)";
        out.append("| `")
            .append(ad.getAttribute("id"))
            .append("` | ")
            .append(type)
            .append(" | ")
            .append(defaultValue.equals("``") ? "empty" : defaultValue)
            .append(" | ")
            .append(meaning.replace("|", "\\|").replace("\n", " "))
            .append(" |\n");
      }
      sections.put(id, out.toString());
    }
    return sections;
  }
}
