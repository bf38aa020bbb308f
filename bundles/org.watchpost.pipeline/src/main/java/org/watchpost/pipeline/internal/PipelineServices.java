package org.watchpost.pipeline.internal;

import java.util.List;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.SummaryContributor;

/** The services a pipeline talks to that may come and go while it runs. */
interface PipelineServices {

  List<EventSink> eventSinks();

  List<FrameObserver> frameObservers();

  List<SummaryContributor> summaryContributors();

  /** Where the pipeline raises and clears PIPELINE_FAILED. */
  List<HealthSink> healthSinks();
}
