package dev.vulcan.cli;

import dev.vulcan.api.ApiError;
import dev.vulcan.api.Backend;
import dev.vulcan.api.Isolation;
import dev.vulcan.api.Json;
import dev.vulcan.api.LogEvent;
import dev.vulcan.api.Node;
import dev.vulcan.api.Resources;
import dev.vulcan.api.Stats;
import dev.vulcan.api.Workload;
import dev.vulcan.api.WorkloadList;
import dev.vulcan.api.WorkloadStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers of the daemon, written from the wire records with the API's mapper, so that a renamed
 * field in dev.vulcan.api breaks these tests rather than the CLI.
 */
final class Samples {
    private static final JsonMapper MAPPER = Json.mapper();

    private Samples() {}

    static String json(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    static final String COMPLETED = json(new Workload("01JX0000000000000000000001", WorkloadStatus.COMPLETED,
            Isolation.AUTO, Isolation.CONTAINER, "node", null, "node-a", MAPPER.readTree("{\"sum\":3}"), 0, null, null, null,
            new Resources(1, 128, 30), "sha256:ab12", 1234L, Instant.parse("2025-06-01T11:55:00Z"),
            Instant.parse("2025-06-01T11:55:00.100Z"), Instant.parse("2025-06-01T11:55:01.334Z")));

    static final String FAILED = json(new Workload("01JX0000000000000000000002", WorkloadStatus.FAILED,
            Isolation.ISOLATE, Isolation.ISOLATE, "node", null, null, null, null, "TypeError: x is not a function",
            "exception", "TypeError: x is not a function\n    at main (code.js:1:1)", null, null, 40L,
            Instant.parse("2025-06-01T10:00:00Z"), null, null));

    static final String RUNNING = json(new Workload("01JX0000000000000000000003", WorkloadStatus.RUNNING,
            Isolation.GVISOR, null, "python", null, null, null, null, null, null, null, null, null, null,
            Instant.parse("2025-06-01T11:59:58Z"), null, null));

    static final String KILLED = json(new Workload("01JX0000000000000000000003", WorkloadStatus.KILLED,
            Isolation.GVISOR, null, "python", null, null, null, null, "killed by request", "killed", null, null, null, null,
            Instant.parse("2025-06-01T11:59:58Z"), null, null));

    /** COMPLETED with a field this CLI does not know, as a newer daemon might send. */
    static final String COMPLETED_FROM_THE_FUTURE;

    static {
        ObjectNode future = (ObjectNode) MAPPER.readTree(COMPLETED);
        future.put("future_field", "kept in json output");
        COMPLETED_FROM_THE_FUTURE = future.toString();
    }

    static String list(String nextCursor, String... workloads) {
        List<Workload> items = new java.util.ArrayList<>();
        for (String workload : workloads) {
            items.add(MAPPER.readValue(workload, Workload.class));
        }
        return json(new WorkloadList(items, nextCursor));
    }

    static final String BACKENDS = json(List.of(
            new Backend(Isolation.ISOLATE, true, null, "deno 2.1.4", "v8", List.of("node", "typescript"), "none", "none",
                    "v8 isolate", ordered("pool", "4")),
            new Backend(Isolation.CONTAINER, true, null, "runc 1.2.5", "native", null, null, null, null,
                    ordered("engine", "/usr/bin/runc")),
            new Backend(Isolation.MICROVM, false, "/dev/kvm is missing", null, null, null, null, null, null, null)));

    static final String NODES = json(List.of(new Node("node-a", "a.example", "10.0.0.1:7070", 8, 3, 16000, 512,
            List.of(Isolation.ISOLATE, Isolation.CONTAINER), "ready", Instant.parse("2025-06-01T11:59:30Z"), 2)));

    static final String STATS;

    static {
        Map<WorkloadStatus, Long> byStatus = new LinkedHashMap<>();
        byStatus.put(WorkloadStatus.COMPLETED, 9L);
        byStatus.put(WorkloadStatus.FAILED, 2L);
        byStatus.put(WorkloadStatus.KILLED, 1L);
        STATS = json(new Stats(12, byStatus,
                List.of(new Stats.IsolationStats(Isolation.ISOLATE, 10, 8, 12.4, 10L, 31L))));
    }

    static String logEvent(String stream, String line) {
        return json(new LogEvent(Instant.parse("2025-06-01T11:55:00Z"), stream, line));
    }

    static String error(String code, String message) {
        return json(ApiError.of(code, message));
    }

    private static Map<String, String> ordered(String key, String value) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(key, value);
        return map;
    }
}
