package dev.vulcan.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The daemon's own per-phase timings of its containers: the {@code *_ms} key-values of its
 * "container supervising" (debug), "container finished" and "container cleaned up" (debug) log lines (JSON, one
 */
final class PhaseLog {
    private PhaseLog() {}

    /**
     * Per container (by id, lower case), the sum of its timed phases up to its exit (record to run): what the
     * daemon spent in the backend; the rest of an API call's latency is HTTP, scheduling and the database.
     */
    static Map<String, Double> backendMsById(Path log, JsonMapper json) throws Exception {
        Map<String, Double> byId = new java.util.HashMap<>();
        for (String line : Files.readAllLines(log)) {
            if (!line.startsWith("{") || !line.contains("container finished")) {
                continue;
            }
            String id = null;
            double sum = 0;
            for (JsonNode pair : json.readTree(line).path("kvpList")) {
                for (var kv : pair.properties()) {
                    if (kv.getKey().equals("container")) {
                        id = kv.getValue().asString();
                    } else if (kv.getKey().endsWith("_ms") && !kv.getKey().equals("elapsed_ms")) {
                        sum += Double.parseDouble(kv.getValue().asString());
                    }
                }
            }
            if (id != null) {
                byId.put(id, sum);
            }
        }
        return byId;
    }

    /** Medians of the timings in the log's lines from {@code skip} on. */
    static Map<String, Double> summarise(Path log, JsonMapper json, long skip) throws Exception {
        Map<String, List<Double>> phases = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log).stream().skip(skip).toList()) {
            if (!line.startsWith("{") || !(line.contains("container finished") || line.contains("container cleaned up")
                    || line.contains("container supervising"))) {
                continue;
            }
            JsonNode entry = json.readTree(line);
            for (String field : List.of("kvpList", "keyValuePairs")) {
                for (JsonNode pair : entry.path(field)) {
                    for (var kv : pair.properties()) {
                        if (kv.getKey().endsWith("_ms")) {
                            try {
                                double ms = Double.parseDouble(kv.getValue().asString());
                                phases.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(ms);
                            } catch (NumberFormatException e) {
                                // not a timing
                            }
                        }
                    }
                }
            }
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        phases.forEach((k, v) -> medians.put(k, Math.round(new Samples(v).median() * 100) / 100.0));
        return medians;
    }
}
