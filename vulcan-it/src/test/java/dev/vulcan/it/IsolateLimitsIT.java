package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Memory and time limits end the offending workload and nothing else. */
class IsolateLimitsIT extends SharedDaemon {


    @Test
    void unboundedAllocationFailsWithMemoryLimitWhileOthersCarryOn() throws Exception {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Http.Reply> steady = pool.submit(() -> http.postJson("/v1/workloads", Map.of("runtime", "node",
                    "code", "export default async () => { await new Promise(r => setTimeout(r, 1500)); return 'still here'; }")));
            Thread.sleep(200); // let the steady workload take its host first
            JsonNode hog = http.postJson("/v1/workloads", Map.of("runtime", "node",
                    "code", "export default () => { const a = []; while (true) a.push(new Array(100000).fill(1)); }",
                    "resources", Map.of("mem_mb", 64, "timeout_s", 60))).json();
            assertThat(hog.get("status").asString()).as(hog.toString()).isEqualTo("failed");
            assertThat(hog.get("reason").asString()).isEqualTo("memory_limit");
            assertThat(hog.get("error").asString()).contains("memory limit exceeded");

            JsonNode other = steady.get().json();
            assertThat(other.get("status").asString()).as(other.toString()).isEqualTo("completed");
            assertThat(other.get("output").asString()).isEqualTo("still here");
        }
        JsonNode after = http.post("/v1/workloads",
                "{\"runtime\":\"node\",\"code\":\"export default () => 'fine'\",\"resources\":{\"mem_mb\":64}}").json();
        assertThat(after.get("output").asString()).isEqualTo("fine");
        assertThat(http.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void memoryOutsideTheJsHeapIsCappedToo() {
        JsonNode w = http.postJson("/v1/workloads", Map.of("runtime", "node",
                "code", "export default () => new Uint8Array(512 * 1024 * 1024).fill(1).length",
                "resources", Map.of("mem_mb", 64, "timeout_s", 60))).json();
        assertThat(w.get("status").asString()).as(w.toString()).isEqualTo("failed");
        assertThat(w.get("reason").asString()).isEqualTo("memory_limit");
        JsonNode details = http.get("/v1/backends").json().get(0).get("details");
        assertThat(details.get("memory_enforcement").asString()).contains("cgroup");
    }

    @Test
    void workloadsDoNotShareState() {
        String code = "export default () => { globalThis.counter = (globalThis.counter ?? 0) + 1; return globalThis.counter; }";
        for (int i = 0; i < 3; i++) {
            JsonNode w = http.postJson("/v1/workloads", Map.of("runtime", "node", "code", code)).json();
            assertThat(w.get("output").asInt()).as("each workload gets a fresh isolate").isEqualTo(1);
        }
    }
}
