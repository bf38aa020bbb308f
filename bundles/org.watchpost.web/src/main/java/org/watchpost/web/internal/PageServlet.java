// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.login.LoginThrottle;
import org.watchpost.api.pipeline.CameraStatusProvider;
import org.watchpost.api.pipeline.RuleChecker;

/**
 * Everything under the page's path: the static page, login and logout, and the JSON and JPEG API.
 * Each request is checked in this order: source network, session (all but the page itself and
 * login), CSRF token (every request that changes state), then its own input, bounded.
 */
final class PageServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PageServlet.class);
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final int MAX_BODY = 16 * 1024;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Map<String, String> STATIC =
      Map.of(
          "/",
          "index.html",
          "/index.html",
          "index.html",
          "/app.js",
          "app.js",
          "/app.css",
          "app.css");

  /** What the servlet reads from the running device; each may be absent. */
  interface Device {
    List<CameraStatusProvider> cameras();

    RuleChecker rules();

    ConfigurationAdmin configurationAdmin();

    Map<String, Object> health();

    SavedRules savedRules();

    org.watchpost.api.health.BaselineViews baselines();
  }

  private final transient Gson gson = new Gson();
  private final transient SourceFilter sources;
  private final transient Sessions sessions;
  private final transient LoginThrottle throttle;
  private final transient Credential credential;
  private final transient LiveFrames live;
  private final transient Device device;

  PageServlet(
      SourceFilter sources,
      Sessions sessions,
      LoginThrottle throttle,
      Credential credential,
      LiveFrames live,
      Device device) {
    this.sources = sources;
    this.sessions = sessions;
    this.throttle = throttle;
    this.credential = credential;
    this.live = live;
    this.device = device;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    response.setHeader("Cache-Control", "no-store");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Referrer-Policy", "no-referrer");
    response.setHeader("X-Frame-Options", "DENY");
    response.setHeader("Strict-Transport-Security", "max-age=31536000");
    response.setHeader(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'");
    InetAddress source = address(request.getRemoteAddr());
    if (!sources.allows(source)) {
      error(response, 403, "this page serves the site's LAN only");
      return;
    }
    if (!request.isSecure()) {
      error(response, 403, "HTTPS only");
      return;
    }
    String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
    String method = request.getMethod();
    try {
      if (method.equals("GET") && STATIC.containsKey(path)) {
        resource(response, STATIC.get(path));
        return;
      }
      if (method.equals("POST") && path.equals("/api/login")) {
        login(request, response, source);
        return;
      }
      Sessions.Session session = sessions.find(cookie(request));
      if (session == null) {
        error(response, 401, "log in first");
        return;
      }
      boolean changes = !method.equals("GET") && !method.equals("HEAD");
      if (changes && !Sessions.csrfMatches(session, request.getHeader(CSRF_HEADER))) {
        error(response, 403, "missing or wrong CSRF token");
        return;
      }
      route(method, path, request, response, session);
    } catch (BadRequest e) {
      error(response, 400, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("web: {} {} failed: {}", method, path, e.toString());
      error(response, 500, "internal error");
    }
  }

  private void route(
      String method,
      String path,
      HttpServletRequest request,
      HttpServletResponse response,
      Sessions.Session session)
      throws IOException {
    if (method.equals("GET") && path.equals("/api/session")) {
      json(response, 200, Map.of("user", Credential.USER, "csrf", session.csrf()));
    } else if (method.equals("POST") && path.equals("/api/logout")) {
      sessions.close(session.id());
      response.addHeader(
          "Set-Cookie",
          Sessions.COOKIE + "=; Path=/watchpost; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
      json(response, 200, Map.of("ok", true));
    } else if (method.equals("GET") && path.equals("/api/cameras")) {
      json(response, 200, cameras());
    } else if (method.equals("GET") && path.startsWith("/api/reference/")) {
      reference(path.substring("/api/reference/".length()), response);
    } else if (method.equals("GET") && path.startsWith("/api/live/")) {
      live(path.substring("/api/live/".length()), request, response);
    } else if (method.equals("GET") && path.equals("/api/rules")) {
      json(response, 200, rules(request.getParameter("camera")));
    } else if (method.equals("POST") && path.equals("/api/rules")) {
      saveRule(request, response);
    } else if (method.equals("DELETE") && path.startsWith("/api/rules/")) {
      deleteRule(path.substring("/api/rules/".length()), response);
    } else if (method.equals("GET") && path.equals("/api/health")) {
      json(response, 200, device.health());
    } else {
      error(response, 404, "no such page");
    }
  }

  private void login(HttpServletRequest request, HttpServletResponse response, InetAddress source)
      throws IOException {
    if (!throttle.allowed(source)) {
      error(
          response,
          429,
          "too many failed logins from " + LoginThrottle.key(source) + "; wait and try again");
      return;
    }
    JsonObject body = body(request);
    String user = string(body, "user", 64);
    String password = string(body, "password", Credential.MAX_PASSWORD_CHARS);
    if (!credential.matches(user, password)) {
      throttle.failed(source);
      LOG.warn("web: failed login from {}", LoginThrottle.key(source));
      error(response, 401, "wrong user or password");
      return;
    }
    throttle.succeeded(source);
    Sessions.Session session = sessions.open();
    response.addHeader(
        "Set-Cookie",
        Sessions.COOKIE
            + "="
            + session.id()
            + "; Path=/watchpost; HttpOnly; Secure; SameSite=Strict");
    LOG.info("web: {} logged in from {}", Credential.USER, LoginThrottle.key(source));
    json(response, 200, Map.of("user", Credential.USER, "csrf", session.csrf()));
  }

  private List<Map<String, Object>> cameras() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (CameraStatusProvider provider : device.cameras()) {
      var s = provider.cameraStatus();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", s.cameraId());
      m.put("source", s.source().state().name());
      m.put("detail", s.source().detail());
      m.put("fps", Math.round(s.framesPerSecond() * 10) / 10.0);
      m.put(
          "inference_ms",
          Double.isNaN(s.inferenceMillis()) ? null : Math.round(s.inferenceMillis() * 10) / 10.0);
      m.put("frames", s.frames());
      m.put("skipped_frames", s.skippedFrames());
      out.add(m);
    }
    return out;
  }

  private boolean knownCamera(String id) {
    return device.cameras().stream().anyMatch(c -> c.cameraStatus().cameraId().equals(id));
  }

  private void live(String rest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String camera = rest.endsWith(".jpg") ? rest.substring(0, rest.length() - 4) : rest;
    if (!NAME.matcher(camera).matches() || !knownCamera(camera)) {
      error(response, 404, "no such camera");
      return;
    }
    long after;
    try {
      after =
          Long.parseLong(
              request.getParameter("after") == null ? "0" : request.getParameter("after"));
    } catch (NumberFormatException e) {
      throw new BadRequest("after must be a number");
    }
    LiveFrames.Slot slot = live.watch(camera);
    Object[] frame;
    try {
      frame = slot.await(after, 2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (frame == null) {
      error(response, 503, "no frame from this camera yet");
      return;
    }
    byte[] jpeg = (byte[]) frame[1];
    response.setStatus(200);
    response.setContentType("image/jpeg");
    response.setHeader("X-Frame-Sequence", String.valueOf(frame[0]));
    response.setContentLength(jpeg.length);
    response.getOutputStream().write(jpeg);
  }

  /** The reference view camera health learned, as a JPEG the size of the live view's thumbnails. */
  private void reference(String rest, HttpServletResponse response) throws IOException {
    String camera = rest.endsWith(".jpg") ? rest.substring(0, rest.length() - 4) : rest;
    var baselines = device.baselines();
    var reference =
        baselines == null || !NAME.matcher(camera).matches() ? null : baselines.reference(camera);
    if (reference == null) {
      error(response, 404, "no baseline learned for this camera yet");
      return;
    }
    byte[] jpeg = LiveFrames.grey(reference.width(), reference.height(), reference.grey(), 320);
    response.setStatus(200);
    response.setContentType("image/jpeg");
    response.setContentLength(jpeg.length);
    response.getOutputStream().write(jpeg);
  }

  private Map<String, Object> rules(String camera) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> list = new ArrayList<>();
    RuleChecker checker = device.rules();
    ConfigurationAdmin admin = device.configurationAdmin();
    if (checker != null && admin != null) {
      try {
        Configuration[] configurations =
            admin.listConfigurations("(service.factoryPid=" + checker.factoryPid() + ")");
        for (Configuration c : configurations == null ? new Configuration[0] : configurations) {
          Dictionary<String, Object> p = c.getProperties();
          Object cam = p.get("camera.id");
          if (camera != null && cam != null && !cam.equals("*") && !cam.equals(camera)) {
            continue;
          }
          Map<String, Object> m = new LinkedHashMap<>();
          String pid = c.getPid();
          m.put("name", pid.contains("~") ? pid.substring(pid.indexOf('~') + 1) : pid);
          for (String key : RuleProperties.NAMES) {
            Object v = p.get(key);
            if (v != null) {
              m.put(key, v);
            }
          }
          list.add(m);
        }
      } catch (IOException | InvalidSyntaxException e) {
        throw new IllegalStateException(e);
      }
      out.put("rejected", checker.rejected());
    }
    out.put("rules", list);
    return out;
  }

  private void saveRule(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    RuleChecker checker = device.rules();
    ConfigurationAdmin admin = device.configurationAdmin();
    if (checker == null || admin == null) {
      error(response, 503, "analytics or configuration admin not running");
      return;
    }
    JsonObject body = body(request);
    String name = string(body, "name", 64);
    if (name == null || !NAME.matcher(name).matches()) {
      throw new BadRequest("name must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    Hashtable<String, Object> properties = RuleProperties.from(body);
    String problem = checker.problem(name, properties);
    if (problem != null) {
      json(response, 422, Map.of("error", "rule refused: " + problem));
      return;
    }
    Configuration configuration = admin.getFactoryConfiguration(checker.factoryPid(), name, "?");
    configuration.update(properties);
    device.savedRules().saved(name, properties);
    LOG.info("web: rule {} saved by {}", name, Credential.USER);
    json(response, 200, Map.of("ok", true, "pid", configuration.getPid()));
  }

  private void deleteRule(String name, HttpServletResponse response) throws IOException {
    RuleChecker checker = device.rules();
    ConfigurationAdmin admin = device.configurationAdmin();
    if (checker == null || admin == null) {
      error(response, 503, "analytics or configuration admin not running");
      return;
    }
    if (!NAME.matcher(name).matches()) {
      throw new BadRequest("no such rule");
    }
    try {
      Configuration[] found =
          admin.listConfigurations("(service.pid=" + checker.factoryPid() + "~" + name + ")");
      if (found == null) {
        error(response, 404, "no such rule");
        return;
      }
      found[0].delete();
      device.savedRules().deleted(name);
    } catch (InvalidSyntaxException e) {
      throw new BadRequest("no such rule");
    }
    json(response, 200, Map.of("ok", true));
  }

  static JsonObject body(HttpServletRequest request) throws IOException {
    if (request.getContentLength() > MAX_BODY) {
      throw new BadRequest("request body larger than " + MAX_BODY + " bytes");
    }
    byte[] bytes;
    try (InputStream in = request.getInputStream()) {
      bytes = in.readNBytes(MAX_BODY + 1);
    }
    if (bytes.length > MAX_BODY) {
      throw new BadRequest("request body larger than " + MAX_BODY + " bytes");
    }
    try {
      JsonElement element = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
      if (!element.isJsonObject()) {
        throw new BadRequest("a JSON object is expected");
      }
      return element.getAsJsonObject();
    } catch (JsonSyntaxException | IllegalStateException e) {
      throw new BadRequest("not JSON");
    }
  }

  static String string(JsonObject body, String key, int max) {
    JsonElement e = body.get(key);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (!e.isJsonPrimitive()) {
      throw new BadRequest(key + " must be a string");
    }
    String s = e.getAsString();
    if (s.length() > max) {
      throw new BadRequest(key + " is longer than " + max + " characters");
    }
    return s;
  }

  private static String cookie(HttpServletRequest request) {
    String header = request.getHeader("Cookie");
    if (header == null || header.length() > 4096) {
      return null;
    }
    for (String part : header.split(";")) {
      String p = part.trim();
      if (p.startsWith(Sessions.COOKIE + "=")) {
        return p.substring(Sessions.COOKIE.length() + 1);
      }
    }
    return null;
  }

  /** The peer's address from its literal only: never a name, so never a DNS look-up. */
  static InetAddress address(String literal) {
    if (literal == null || literal.length() > 64) {
      return null;
    }
    String bare =
        literal.startsWith("[") && literal.endsWith("]")
            ? literal.substring(1, literal.length() - 1)
            : literal;
    bare = bare.replaceAll("%.*$", "");
    boolean v4 = bare.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    boolean v6 = bare.contains(":") && bare.matches("[0-9A-Fa-f:.]+");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(bare);
    } catch (IOException e) {
      return null;
    }
  }

  private void resource(HttpServletResponse response, String name) throws IOException {
    try (InputStream in = PageServlet.class.getResourceAsStream("/static/" + name)) {
      if (in == null) {
        error(response, 404, "no such page");
        return;
      }
      byte[] bytes = in.readAllBytes();
      response.setStatus(200);
      response.setContentType(
          name.endsWith(".js")
              ? "text/javascript; charset=utf-8"
              : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8");
      response.setContentLength(bytes.length);
      response.getOutputStream().write(bytes);
    }
  }

  private void json(HttpServletResponse response, int status, Object value) throws IOException {
    byte[] bytes = gson.toJson(value).getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("application/json; charset=utf-8");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  private void error(HttpServletResponse response, int status, String message) throws IOException {
    json(response, status, Map.of("error", message));
  }

  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }
}
