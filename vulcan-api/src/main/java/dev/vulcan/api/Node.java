package dev.vulcan.api;

import java.time.Instant;
import java.util.List;

/** A node and its capacity; "used" sums the limits of the workloads running now. */
public record Node(
        String id,
        String hostname,
        String address,
        int cpusTotal,
        int cpusUsed,
        long memTotalMb,
        long memUsedMb,
        List<Isolation> backends,
        String status,
        Instant lastSeen,
        int workloadsRunning) {}
