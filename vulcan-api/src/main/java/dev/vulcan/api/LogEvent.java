package dev.vulcan.api;

import java.time.Instant;

/**
 * One line a workload wrote, as stored in its log file and sent in the data of an SSE event.
 *
 * @param stream stdout or stderr
 */
public record LogEvent(Instant time, String stream, String line) {}
