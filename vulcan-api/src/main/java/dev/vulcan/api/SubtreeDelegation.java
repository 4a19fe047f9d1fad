package dev.vulcan.api;

import java.time.Instant;

/**
 * A child node's delegated prefix and the uplink address the parent routes it through.
 *
 * @param route "installed", "pending: REASON" (retried at start-up) or "stale: REASON" (recorded
 *              under another subtree; never routed)
 */
public record SubtreeDelegation(String child, String prefix, String uplink, Instant createdAt, String route) {}
