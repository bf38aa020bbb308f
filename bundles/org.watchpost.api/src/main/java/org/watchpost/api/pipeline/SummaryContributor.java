package org.watchpost.api.pipeline;

import java.util.Map;

/**
 * Adds fields to the run summary the pipeline writes at the end of a finite run ({@code watchpost demo}).
 * Values are JSON-compatible: Number, String, Boolean, List and Map of those.
 */
public interface SummaryContributor {

  Map<String, Object> summary();
}
