// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
    id = OpcUaConfig.PID,
    name = "Watchpost OPC UA server",
    description =
        "The device, its cameras, counts, health and alarms for the systems at the site (barrier, traffic "
            + "controller, VMS, SCADA), over OPC UA. Secure by default: Basic256Sha256 with SignAndEncrypt, no anonymous "
            + "access, no default password. Sessions at opc.tcp://<host>:<port><path> (default "
            + "opc.tcp://<host>:4840/watchpost); clients that discover endpoints over an unsecured channel (node-opcua, "
            + "for one) use <path>/discovery (opc.tcp://<host>:4840/watchpost/discovery).")
public @interface OpcUaConfig {
  String PID = "org.watchpost.opcua";

  @AttributeDefinition(
      name = "Enabled",
      description = "Switches the whole server off while keeping its configuration.")
  boolean enabled() default true;

  @AttributeDefinition(
      name = "Bind address",
      description = "The interface the server listens on; 0.0.0.0 for every interface.")
  String bind_address() default "0.0.0.0";

  @AttributeDefinition(name = "Port", min = "1", max = "65535")
  int port() default 4840;

  @AttributeDefinition(
      name = "Path",
      description = "The endpoint URL is opc.tcp://<host>:<port><path>.")
  String path() default "/watchpost";

  @AttributeDefinition(
      name = "Host name",
      description =
          "The host name in the endpoint URLs and the certificate; empty: this machine's name.",
      required = false)
  String hostname() default "";

  @AttributeDefinition(
      name = "Security policies",
      description = "Each offered with SignAndEncrypt.",
      options = {
        @Option(label = "Basic256Sha256", value = "Basic256Sha256"),
        @Option(label = "Aes128_Sha256_RsaOaep", value = "Aes128_Sha256_RsaOaep"),
        @Option(label = "Aes256_Sha256_RsaPss", value = "Aes256_Sha256_RsaPss")
      })
  String[] security_policies() default {"Basic256Sha256"};

  @AttributeDefinition(
      name = "Allow the None policy",
      description =
          "An unencrypted, unsigned endpoint: only for a "
              + "closed test network. Passwords are still encrypted (Basic256Sha256 token policy).")
  boolean security_none() default false;

  @AttributeDefinition(
      name = "Anonymous access",
      description = "Lets clients read and subscribe without a user; methods " + "always need one.")
  boolean anonymous() default false;

  @AttributeDefinition(
      name = "Users",
      description =
          "name:pbkdf2-sha256:<iterations>:<salt>:<hash> (the form the "
              + "generated credential file holds; ./watchpost opcua-user NAME makes one). Plain name:password entries are "
              + "refused. Empty: a credential is generated on first start.",
      type = AttributeType.PASSWORD,
      required = false)
  String[] users() default {};

  @AttributeDefinition(
      name = "Failed logins before lockout",
      description =
          "After this many failed logins from one "
              + "source address (an IPv6 /64) within the lockout window, logins from there are refused until the window has passed.",
      min = "1")
  int login_failures() default 10;

  @AttributeDefinition(name = "Lockout window (s)", min = "1")
  int login_window_s() default 60;

  @AttributeDefinition(
      name = "Source addresses remembered",
      description =
          "How many source addresses with failed "
              + "logins the lockout keeps; beyond that the least recently seen is forgotten.",
      min = "1")
  int login_max_sources() default 1024;

  @AttributeDefinition(
      name = "PKI directory",
      description =
          "The application certificate (own/), trusted client "
              + "certificates (trusted/certs: copy a client's DER certificate here to trust it), issuers and rejected ones.")
  String pki_dir() default "var/opcua/pki";

  @AttributeDefinition(
      name = "Credential file",
      description =
          "Where the credential generated on first start is kept "
              + "(hashed, readable by the service user only). Delete it to have a new one generated and printed.")
  String credential_file() default "var/opcua/credential";

  @AttributeDefinition(name = "Certificate validity (days)", min = "1")
  int certificate_days() default 3650;

  @AttributeDefinition(
      name = "Refresh interval (ms)",
      description =
          "How often the pipeline's and the device's " + "values are read into the address space.",
      min = "100")
  long refresh_ms() default 1000;

  @AttributeDefinition(name = "Most sessions", min = "1")
  int max_sessions() default 16;

  @AttributeDefinition(
      name = "Largest message (bytes)",
      description =
          "A request larger than this is refused with "
              + "Bad_TcpMessageTooLarge (or Bad_RequestTooLarge).",
      min = "8192")
  int max_message_bytes() default 2 * 1024 * 1024;

  @AttributeDefinition(name = "Most monitored items per session", min = "1")
  int max_monitored_items() default 2000;

  @AttributeDefinition(
      name = "Read requests per second",
      description =
          "Read requests answered per second, all "
              + "sessions together; more wait their turn (up to 5 s, then Bad_ResourceUnavailable), so that a client polling "
              + "in a loop cannot take the cameras' CPU. Subscriptions are not counted.",
      min = "1")
  int max_read_requests_per_s() default 50;
}
