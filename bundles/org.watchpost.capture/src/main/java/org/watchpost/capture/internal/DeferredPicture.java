// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.watchpost.api.frame.Frame;

/**
 * A frame as a deferring stream read it: its grey image made now, its colour pixels on demand.
 *
 * @param grey the grey image
 * @param decoder makes the colour pixels; called at most once
 * @param release gives back every buffer the picture holds, the colour pixels too once made
 */
record DeferredPicture(Frame.Grey grey, Supplier<ByteBuffer> decoder, Runnable release) {}
