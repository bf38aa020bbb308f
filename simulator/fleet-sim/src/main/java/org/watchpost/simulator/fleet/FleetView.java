// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The central view of a fleet: a page (rendered on the server, refreshing itself every two seconds,
 * no script) and the same rows as JSON at {@code /fleet.json}, on loopback; and the same table as
 * text for a terminal.
 */
public final class FleetView implements AutoCloseable {
  private final FleetObserver observer;
  private final HttpServer server;

  public FleetView(FleetObserver observer, int port) throws IOException {
    this.observer = observer;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 20);
    server.createContext("/", this::page);
    server.createContext("/fleet.json", this::json);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port() + "/";
  }

  private void page(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/")) {
        send(exchange, 404, "text/plain", "not found");
        return;
      }
      send(exchange, 200, "text/html; charset=utf-8", html());
    }
  }

  private void json(HttpExchange exchange) throws IOException {
    try (exchange) {
      send(
          exchange,
          200,
          "application/json",
          new Gson()
              .toJson(
                  Map.of(
                      "scenario_seconds",
                      Math.round(observer.clock().seconds()),
                      "devices",
                      observer.rows())));
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  String html() {
    List<Map<String, Object>> rows = observer.rows();
    long online = rows.stream().filter(r -> Boolean.TRUE.equals(r.get("online"))).count();
    StringBuilder h = new StringBuilder();
    h.append(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"2\">")
        .append("<title>Watchpost fleet</title><style>")
        .append(
            "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}")
        .append("th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left}th{background:#eee}")
        .append(
            ".on{color:#070;font-weight:bold}.off{color:#a00;font-weight:bold}.alarm{color:#a00}")
        .append("</style></head><body>");
    h.append("<h1>Watchpost fleet</h1>");
    h.append("<p id=\"summary\">")
        .append(online)
        .append(" of ")
        .append(rows.size())
        .append(" devices online")
        .append(" &middot; scenario time ")
        .append(Math.round(observer.clock().seconds()))
        .append(" s")
        .append(" &middot; ")
        .append(observer.totalMessages())
        .append(" messages</p>");
    h.append(
            "<table id=\"fleet\"><thead><tr><th>device</th><th>online</th><th>model</th><th>cameras</th>")
        .append(
            "<th>events/h</th><th>bytes/h</th><th>alarms</th><th>missing seq</th></tr></thead><tbody>");
    for (Map<String, Object> r : rows) {
      boolean on = Boolean.TRUE.equals(r.get("online"));
      @SuppressWarnings("unchecked")
      Map<String, String> cameras = (Map<String, String>) r.get("cameras");
      h.append("<tr class=\"device\" data-device=\"")
          .append(escape(r.get("device")))
          .append("\">")
          .append("<td>")
          .append(escape(r.get("device")))
          .append("</td>")
          .append("<td class=\"")
          .append(on ? "on\">online" : "off\">offline")
          .append("</td>")
          .append("<td>")
          .append(escape(r.get("model")))
          .append("</td>")
          .append("<td>")
          .append(
              escape(
                  cameras.entrySet().stream()
                      .map(e -> e.getKey() + ": " + e.getValue())
                      .collect(Collectors.joining(", "))))
          .append("</td>")
          .append("<td>")
          .append(r.get("events_per_hour"))
          .append("</td>")
          .append("<td>")
          .append(r.get("bytes_per_hour"))
          .append("</td>")
          .append("<td>")
          .append(r.get("alarms"))
          .append("</td>")
          .append("<td>")
          .append(r.get("missing_seqs"))
          .append("</td></tr>");
    }
    h.append("</tbody></table><h2>Latest alarms</h2><ul id=\"alarms\">");
    for (FleetObserver.Alarm a : observer.recentAlarms()) {
      h.append("<li class=\"alarm\">")
          .append(
              escape(
                  a.device()
                      + " "
                      + a.camera()
                      + " "
                      + a.state()
                      + (a.raised() ? " raised" : " cleared")
                      + ": "
                      + a.reason()))
          .append("</li>");
    }
    h.append("</ul></body></html>\n");
    return h.toString();
  }

  private static String escape(Object value) {
    return String.valueOf(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** The table for a terminal: one line per device. */
  public String table() {
    StringBuilder t = new StringBuilder();
    t.append(
        String.format(
            Locale.ROOT,
            "scenario %6d s  messages %d%n",
            Math.round(observer.clock().seconds()),
            observer.totalMessages()));
    t.append(
        String.format(
            Locale.ROOT,
            "%-22s %-7s %-18s %9s %10s %6s %5s  %s%n",
            "device",
            "online",
            "model",
            "events/h",
            "bytes/h",
            "alarms",
            "gaps",
            "cameras"));
    for (Map<String, Object> r : observer.rows()) {
      @SuppressWarnings("unchecked")
      Map<String, String> cameras = (Map<String, String>) r.get("cameras");
      t.append(
          String.format(
              Locale.ROOT,
              "%-22s %-7s %-18s %9d %10d %6d %5d  %s%n",
              r.get("device"),
              Boolean.TRUE.equals(r.get("online")) ? "yes" : "NO",
              r.get("model"),
              (Long) r.get("events_per_hour"),
              (Long) r.get("bytes_per_hour"),
              (Long) r.get("alarms"),
              (Long) r.get("missing_seqs"),
              cameras.entrySet().stream()
                  .map(e -> e.getKey() + ":" + e.getValue())
                  .collect(Collectors.joining(" "))));
    }
    return t.toString();
  }

  /** Prints the table, redrawn in place on a terminal. */
  public void print(PrintStream out, boolean redraw) {
    out.print((redraw ? "\033[H\033[2J" : "") + table());
    out.flush();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
