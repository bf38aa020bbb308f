// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.util.List;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.LiveTap;
import org.watchpost.api.pipeline.SummaryContributor;

/** The services a pipeline talks to that may come and go while it runs. */
interface PipelineServices {

  List<EventSink> eventSinks();

  List<FrameObserver> frameObservers();

  List<SummaryContributor> summaryContributors();

  /** Local live views; asked on every frame whether they want it. */
  default List<LiveTap> liveTaps() {
    return List.of();
  }

  /** Where the pipeline raises and clears PIPELINE_FAILED. */
  List<HealthSink> healthSinks();
}
