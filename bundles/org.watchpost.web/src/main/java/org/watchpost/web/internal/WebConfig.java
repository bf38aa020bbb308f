// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Every setting of the installer's page, with its default. */
@ObjectClassDefinition(
    id = WebConfig.PID,
    name = "Watchpost installer's page",
    description =
        "The page on the device for installers: live view, rules drawn on the image, health. Site LAN only, HTTPS, login.")
public @interface WebConfig {
  String PID = "org.watchpost.web";

  @AttributeDefinition(
      name = "Enabled",
      description =
          "Off: the page is not served and, when this bundle manages the web server, no port is open.")
  boolean enabled() default true;

  @AttributeDefinition(
      name = "HTTPS port",
      description = "Port of the page (HTTPS only).",
      min = "1",
      max = "65535")
  int port() default 8443;

  @AttributeDefinition(
      name = "Listen address",
      description =
          "Address the web server listens on: the LAN interface's address, or 0.0.0.0 for all.")
  String bind_address() default "0.0.0.0";

  @AttributeDefinition(
      name = "Manage the web server",
      description =
          "Configure Apache Felix HTTP (PID org.apache.felix.http) for HTTPS with the device's certificate. "
              + "Not acted on inside Eclipse Kura, whose own web server serves the page.")
  boolean manage_server() default true;

  @AttributeDefinition(
      name = "Certificate keystore",
      required = false,
      description =
          "A PKCS#12 keystore holding the certificate to use; empty: the device's own, made on first start.")
  String tls_keystore() default "";

  @AttributeDefinition(
      name = "Certificate keystore password",
      type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD,
      required = false)
  String tls_keystore_password() default "";

  @AttributeDefinition(
      name = "State directory",
      description =
          "Where the generated certificate and the credential's hash are kept (owner only).")
  String state_dir() default "var/web";

  @AttributeDefinition(
      name = "Allowed sources",
      description =
          "Networks (CIDR) whose requests are answered; others get 403. Default: loopback, private and link-local ranges.")
  String[] allowed_sources() default {
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10"
  };

  @AttributeDefinition(name = "Session idle timeout (s)", min = "30")
  int session_idle_s() default 900;

  @AttributeDefinition(
      name = "Sessions at most",
      description = "Open sessions kept; the oldest is ended first.",
      min = "1")
  int session_max() default 32;

  @AttributeDefinition(
      name = "Login failures before lockout",
      description = "Failed logins from one source within the window before it is locked out.",
      min = "1")
  int login_max_failures() default 5;

  @AttributeDefinition(name = "Lockout window (s)", min = "1")
  int login_window_s() default 300;

  @AttributeDefinition(
      name = "Lockout: sources remembered",
      description = "Bound of the per-source failure table (least recently seen forgotten first).",
      min = "1")
  int login_max_sources() default 1024;

  @AttributeDefinition(
      name = "Live view frames per second",
      description = "At most this many frames per second per watched camera.",
      min = "0.2",
      max = "15")
  double live_fps() default 4;

  @AttributeDefinition(
      name = "Live view width",
      description = "Live frames are scaled down to at most this width (pixels).",
      min = "160",
      max = "3840")
  int live_max_width() default 800;

  @AttributeDefinition(name = "Live view JPEG quality", min = "20", max = "95")
  int live_jpeg_quality() default 70;

  @AttributeDefinition(
      name = "Live view linger (s)",
      description = "A camera stops being rendered this long after its last viewer's last request.",
      min = "1")
  double live_linger_s() default 3;
}
