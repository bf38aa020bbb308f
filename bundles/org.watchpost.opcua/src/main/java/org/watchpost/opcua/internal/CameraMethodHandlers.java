// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import org.eclipse.milo.opcua.sdk.server.api.AccessContext;
import org.eclipse.milo.opcua.sdk.server.api.methods.AbstractMethodInvocationHandler;
import org.eclipse.milo.opcua.sdk.server.nodes.UaMethodNode;
import org.eclipse.milo.opcua.stack.core.Identifiers;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.structured.Argument;

/** ResetCounters() and SetArmed(Boolean) of one camera; only a user who logged in may call them. */
final class CameraMethodHandlers {
  private CameraMethodHandlers() {}

  static final long GOOD = StatusCode.GOOD.getValue();

  /** What the methods do; each returns an OPC UA status code. */
  interface Actions {
    long resetCounters(String cameraId);

    /**
     * @param requestedBy who called, e.g. {@code OPC UA user 'op1' from 10.0.0.7}
     */
    long setArmed(String cameraId, boolean armed, String requestedBy);
  }

  private abstract static class UserOnly extends AbstractMethodInvocationHandler {
    final String cameraId;
    final Actions actions;

    UserOnly(UaMethodNode node, String cameraId, Actions actions) {
      super(node);
      this.cameraId = cameraId;
      this.actions = actions;
    }

    @Override
    protected void checkExecutableAttributes(AccessContext context) throws UaException {
      super.checkExecutableAttributes(context);
      if (!Identity.mayCallMethods(context.getSession().orElse(null))) {
        throw new UaException(
            StatusCodes.Bad_UserAccessDenied, "anonymous sessions may not call methods");
      }
    }

    @Override
    public Argument[] getOutputArguments() {
      return new Argument[0];
    }

    static Variant[] result(long status) throws UaException {
      if (status != GOOD) {
        // Good_CompletesAsynchronously travels this way too: the call was taken, its effect comes
        // later.
        throw new UaException(status);
      }
      return new Variant[0];
    }
  }

  /**
   * Who a session is, for the record upstream: its user (names are restricted to safe characters)
   * and address.
   */
  static String caller(org.eclipse.milo.opcua.sdk.server.Session session) {
    if (session == null) {
      return "OPC UA (no session)";
    }
    String user =
        session.getIdentityObject() instanceof Identity identity && !identity.anonymous()
            ? "user '" + identity.user() + "'"
            : "an anonymous session";
    java.net.InetAddress address = session.getClientAddress();
    return "OPC UA "
        + user
        + " from "
        + (address == null ? "an unknown address" : address.getHostAddress());
  }

  static final class ResetCounters extends UserOnly {
    ResetCounters(UaMethodNode node, String cameraId, Actions actions) {
      super(node, cameraId, actions);
    }

    @Override
    public Argument[] getInputArguments() {
      return new Argument[0];
    }

    @Override
    protected Variant[] invoke(InvocationContext context, Variant[] inputs) throws UaException {
      return result(actions.resetCounters(cameraId));
    }
  }

  static final class SetArmed extends UserOnly {
    private static final Argument ARMED =
        new Argument(
            "Armed",
            Identifiers.Boolean,
            -1,
            null,
            LocalizedText.english(
                "true: the camera's rules raise events; false: they only count."));

    SetArmed(UaMethodNode node, String cameraId, Actions actions) {
      super(node, cameraId, actions);
    }

    @Override
    public Argument[] getInputArguments() {
      return new Argument[] {ARMED};
    }

    @Override
    protected Variant[] invoke(InvocationContext context, Variant[] inputs) throws UaException {
      return result(
          actions.setArmed(
              cameraId, (Boolean) inputs[0].getValue(), caller(context.getSession().orElse(null))));
    }
  }
}
