package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * /metrics of a real daemon after a workload on every backend /v1/backends reports available: promtool accepts
 * the exposition, and each backend has its start, duration, final-status, running and memory series with the
 * labels the docs promise; the isolate pool and the API latency are there too.
 */
class MetricsIT extends SharedDaemon {

    private static final String IMAGE = "vulcan-metrics-it/busybox:latest";

    static List<String> available = new ArrayList<>();

    @BeforeAll
    static void backends() {
        available.addAll(daemon.availableBackends());
        if (available.contains("container") || available.contains("gvisor")) {
            BusyboxImage.importInto(http, temp, IMAGE);
        }
    }

    /** One workload each backend can run: the runtime label it will carry, and the request. */
    private static Map.Entry<String, Map<String, Object>> workload(String isolation) {
        return switch (isolation) {
            case "isolate" -> Map.entry("javascript", Map.of("isolation", "isolate", "runtime", "node",
                    "code", "export default () => 'hello'"));
            case "container", "gvisor" -> Map.entry("oci", Map.of("isolation", isolation, "image", IMAGE,
                    "args", List.of("echo", "hello")));
            case "microvm" -> Map.entry("shell", Map.of("isolation", "microvm", "runtime", "shell", "code", "echo hello"));
            default -> throw new AssertionError("a new backend needs its workload here: " + isolation);
        };
    }

    @Test
    void aMicroVmRestoredFromASnapshotCountsAsAWarmStart() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(available.contains("microvm") || "true".equals(System.getenv("CI")),
                "microvm unavailable here");
        Http.Reply reply = http.postJson("/v1/workloads", Map.of("isolation", "microvm", "runtime", "python",
                "code", "def handler(input):\n    return 'warm'\n", "resources", Map.of("mem_mb", 256, "timeout_s", 300)));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("status").asString()).as(reply.body()).isEqualTo("completed");
        // python code continues from a saved VM (the first workload saves it, then restores from it as well)
        assertThat(http.get("/metrics").body()).containsPattern(
                "vulcan_workload_start_seconds_count\\{isolation=\"microvm\",runtime=\"python\",start=\"warm\"} [1-9]");
    }

    @Test
    void everyAvailableBackendHasItsSeriesAndPromtoolAcceptsThem() throws Exception {
        assertThat(available).contains("isolate", "container");
        for (String isolation : available) {
            Http.Reply reply = http.postJson("/v1/workloads", workload(isolation).getValue());
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("status").asString()).as(reply.body()).isEqualTo("completed");
        }
        for (int i = 0; i < 2; i++) { // later isolate workloads find a pooled host that existed before them
            assertThat(http.postJson("/v1/workloads", workload("isolate").getValue()).status()).isEqualTo(200);
        }
        Http.Reply metrics = http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        String text = metrics.body();

        for (String isolation : available) {
            String runtime = workload(isolation).getKey();
            String labels = "isolation=\"" + isolation + "\",runtime=\"" + runtime + "\"";
            assertThat(text).as(isolation)
                    .containsPattern("vulcan_workload_start_seconds_bucket\\{" + labels + ",start=\"(cold|warm)\",le=")
                    .contains("vulcan_workload_duration_seconds_bucket{" + labels + ",le=")
                    .contains("vulcan_workloads_finished_total{" + labels + ",status=\"completed\"} ")
                    .contains("vulcan_workloads_running{" + labels + "} 0")
                    .contains("vulcan_sandbox_memory_bytes{isolation=\"" + isolation + "\"} ")
                    .contains("vulcan_backend_available{isolation=\"" + isolation + "\"} 1");
        }
        // warm starts exist only where a pool or a snapshot does; these workloads make a sandbox each elsewhere
        assertThat(text).containsPattern(
                "vulcan_workload_start_seconds_count\\{isolation=\"isolate\",runtime=\"javascript\",start=\"warm\"} [1-9]");
        for (String isolation : available) {
            if (!isolation.equals("isolate")) {
                assertThat(text).as(isolation).doesNotContain("vulcan_workload_start_seconds_count{isolation=\"" + isolation
                        + "\",runtime=\"" + workload(isolation).getKey() + "\",start=\"warm\"}");
            }
        }
        // isolate's pool: the host that ran the workload, and the API's own latency
        assertThat(text).contains("vulcan_pool_sandboxes{isolation=\"isolate\",state=\"busy\"} ")
                .contains("vulcan_instances_running{isolation=\"container\"} 0")
                .contains("vulcan_http_request_duration_seconds_bucket{code=\"200\",method=\"POST\",route=\"/v1/workloads\",le=")
                .contains("# TYPE vulcan_workloads_finished_total counter")
                .contains("# TYPE vulcan_sandbox_memory_bytes gauge");

        // hosts that just ran a workload boot their next blank Worker ("starting"), then wait for work
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                http.get("/metrics").body()).containsPattern(
                        "vulcan_pool_sandboxes\\{isolation=\"isolate\",state=\"idle\"} [1-9]"));

        Path promtool = Path.of("/usr/bin/promtool");
        Tools.require(promtool, "scripts/setup (Debian package prometheus)");
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        check.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(output).isZero();
        assertThat(output).as("promtool lint").doesNotContain("should").doesNotContain("counter metrics");
    }
}
