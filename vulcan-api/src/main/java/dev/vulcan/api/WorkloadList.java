package dev.vulcan.api;

import java.util.List;

/** One page of GET /v1/workloads, newest first; nextCursor is null on the last page. */
public record WorkloadList(List<Workload> items, String nextCursor) {}
