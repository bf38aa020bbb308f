// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.protocol;

import java.util.regex.Pattern;

/**
 * MODEL-V1 in Kura's request/response pattern. Requests go to {@code
 * $EDC/{account}/{device}/MODEL-V1/...} with {@code requester.client.id} and {@code request.id};
 * replies come back on {@code $EDC/{account}/{requester}/MODEL-V1/REPLY/{request.id}}.
 *
 * <ul>
 *   <li>{@code GET models}: the active, previous and candidate models, the state, the transfer and
 *       the history
 *   <li>{@code PUT package}: start (or resume) a job: {@code job.id}, {@code package.sha256},
 *       {@code package.size}, {@code transport} ({@code mqtt} or {@code https}), {@code url} for
 *       https, {@code activate} (default true)
 *   <li>{@code PUT chunk} (no reply): {@code job.id}, {@code offset}, {@code chunk.sha256}, the
 *       bytes as body
 *   <li>{@code EXEC activate}: activate the validated candidate; {@code EXEC rollback}: back to the
 *       previous model
 * </ul>
 *
 * The device notifies on {@code $EDC/{account}/{device}/MODEL-V1/NOTIFY/{requester}/install}
 * (status, progress, reason) and asks for chunks on {@code .../NOTIFY/{requester}/chunk} ({@code
 * job.id}, {@code offset}, {@code length}), as Kura's DEPLOY-V2 reports its downloads.
 */
public final class ModelProtocol {
  private ModelProtocol() {}

  public static final String APP_ID = "MODEL-V1";

  public static final String RESOURCE_MODELS = "models";
  public static final String RESOURCE_PACKAGE = "package";
  public static final String RESOURCE_CHUNK = "chunk";
  public static final String RESOURCE_ACTIVATE = "activate";
  public static final String RESOURCE_ROLLBACK = "rollback";

  /**
   * {@code EXEC cancel}: ends the job in progress ({@code job.id}), so another package can come.
   */
  public static final String RESOURCE_CANCEL = "cancel";

  public static final String NOTIFY_INSTALL = "install";
  public static final String NOTIFY_CHUNK = "chunk";

  public static final String JOB_ID = "job.id";
  public static final String PACKAGE_SHA256 = "package.sha256";
  public static final String PACKAGE_SIZE = "package.size";
  public static final String TRANSPORT = "transport";
  public static final String TRANSPORT_MQTT = "mqtt";
  public static final String TRANSPORT_HTTPS = "https";
  public static final String URL = "url";
  public static final String ACTIVATE = "activate";
  public static final String OFFSET = "offset";
  public static final String LENGTH = "length";
  public static final String CHUNK_SHA256 = "chunk.sha256";

  /**
   * An MQTT {@code PUT package}: the block size of the hash list its body carries (the SHA-256 of
   * each block of the package, in order, 32 bytes each). The body is covered by the command
   * signature, so every chunk is checked against what the console signed before it is written.
   */
  public static final String BLOCK_SIZE = "block.size";

  /** Most blocks a hash list may have; a console raises its block size to stay within it. */
  public static final int MAX_BLOCKS = 65_536;

  public static final int MIN_BLOCK_SIZE = 256;
  public static final int MAX_BLOCK_SIZE = 262_144;

  /**
   * A {@code PUT package} with {@code rollback = true}: a rollback token (signed for this device
   * only, short lived) that lets a signed rollback package go below the device's version floor.
   */
  public static final String ROLLBACK = "rollback";

  public static final String STATUS = "status";
  public static final String REASON = "reason";
  public static final String MESSAGE = "message";
  public static final String PROGRESS = "progress";
  public static final String VERSION = "version";
  public static final String NAME = "name";
  public static final String ATTEMPT = "attempt";

  public static final String ACTIVE_NAME = "active.name";
  public static final String ACTIVE_VERSION = "active.version";
  public static final String ACTIVE_SHA256 = "active.sha256";
  public static final String ACTIVE_SLOT = "active.slot";
  public static final String PREVIOUS_VERSION = "previous.version";
  public static final String CANDIDATE_VERSION = "candidate.version";
  public static final String STATE = "state";

  /** The answering device, in a GET reply (a GET may go to every device at once). */
  public static final String CLIENT_ID = "client.id";

  /** The client id level that addresses a GET to every device of the account. */
  public static final String EVERY_DEVICE = "_all";

  /** A job id is one topic level and a file name on the device. */
  public static final Pattern JOB_ID_FORM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Where a job stands, as the device reports it. */
  public enum Status {
    /** The transfer runs; {@code progress} is the percentage. */
    DOWNLOADING,
    VERIFYING,
    VALIDATING,
    /** Active and watched. */
    PROBATION,
    /** Validated, waiting for EXEC activate. */
    INSTALLED,
    /** Active and kept after probation (or already active). */
    COMPLETED,
    /** Turned down; {@code reason} and {@code message} say why. The active model is untouched. */
    FAILED,
    /** Was active, failed probation, the previous model serves again. */
    ROLLED_BACK;

    public boolean terminal() {
      return this == COMPLETED || this == FAILED || this == ROLLED_BACK || this == INSTALLED;
    }
  }
}
