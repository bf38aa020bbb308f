// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import org.eclipse.milo.opcua.sdk.server.Session;
import org.eclipse.milo.opcua.sdk.server.identity.AbstractUsernameIdentityValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.login.LoginThrottle;

/**
 * Who a session is: a user who logged in, or anonymous (only when anonymous access is on; it may
 * read and subscribe but not call methods).
 */
record Identity(String user) {
  static final Identity ANONYMOUS = new Identity(null);

  boolean anonymous() {
    return user == null;
  }

  static boolean mayCallMethods(Session session) {
    return session != null
        && session.getIdentityObject() instanceof Identity identity
        && !identity.anonymous();
  }

  /**
   * Checks user tokens against the users, anonymous ones against the switch, through the login
   * throttle.
   */
  static final class Validator extends AbstractUsernameIdentityValidator<Identity> {
    private static final Logger LOG = LoggerFactory.getLogger(Validator.class);
    private final Users users;
    private final boolean anonymousAllowed;
    private final LoginThrottle throttle;

    Validator(Users users, boolean anonymousAllowed, LoginThrottle throttle) {
      this.users = users;
      this.anonymousAllowed = anonymousAllowed;
      this.throttle = throttle;
    }

    @Override
    protected Identity authenticateAnonymous(Session session) {
      if (!anonymousAllowed) {
        LOG.info(
            "OPC UA: anonymous login from {} refused (anonymous access is off)",
            session.getClientAddress());
        return null;
      }
      return ANONYMOUS;
    }

    @Override
    protected Identity authenticateUsernamePassword(
        Session session, String username, String password) {
      if (!throttle.allowed(session.getClientAddress())) {
        LOG.warn(
            "OPC UA: login of '{}' from {} refused unchecked: too many failed logins from there lately",
            printable(username),
            session.getClientAddress());
        return null;
      }
      if (users.verify(username, password)) {
        LOG.info("OPC UA: user {} logged in from {}", username, session.getClientAddress());
        return new Identity(username);
      }
      throttle.failed(session.getClientAddress());
      LOG.warn(
          "OPC UA: failed login of '{}' from {}", printable(username), session.getClientAddress());
      return null;
    }

    private static String printable(String name) {
      if (name == null) {
        return "";
      }
      String cut = name.length() > 64 ? name.substring(0, 64) + "..." : name;
      return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
  }
}
