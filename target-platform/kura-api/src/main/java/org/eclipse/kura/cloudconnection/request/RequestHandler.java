// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.cloudconnection.request;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.osgi.annotation.versioning.ConsumerType;

/** Serves the remote requests Kura routes to one id: GET, PUT, POST, DEL and EXEC. */
@ConsumerType
public interface RequestHandler {
  default KuraMessage doGet(RequestHandlerContext context, KuraMessage reqMessage)
      throws KuraException {
    throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
  }

  default KuraMessage doPut(RequestHandlerContext context, KuraMessage reqMessage)
      throws KuraException {
    throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
  }

  default KuraMessage doPost(RequestHandlerContext context, KuraMessage reqMessage)
      throws KuraException {
    throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
  }

  default KuraMessage doDel(RequestHandlerContext context, KuraMessage reqMessage)
      throws KuraException {
    throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
  }

  default KuraMessage doExec(RequestHandlerContext context, KuraMessage reqMessage)
      throws KuraException {
    throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
  }
}
