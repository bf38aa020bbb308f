// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class whose assertions depend on the CPU it gets (a detection rate that follows the
 * detector's wall time, for one): while it runs, no other module's test class runs in the parallel
 * build (-T1C), and it waits for the one running to end. See {@link MachineLock}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface RunsAlone {}
