package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Backends, nodes, stats, metrics, health, and the security of the two listeners. */
class SystemApiIT extends SharedDaemon {


    @Test
    void backendsListEveryIsolationWithAvailabilityAndReason() {
        JsonNode backends = http.get("/v1/backends").json();
        assertThat(backends).hasSize(4);
        JsonNode isolate = find(backends, "isolate");
        assertThat(isolate.get("available").asBoolean()).isTrue();
        assertThat(isolate.get("version").asString()).contains("deno");
        assertThat(isolate.get("runtimes").toString()).contains("javascript", "typescript");
        assertThat(isolate.get("networking").asString()).isEqualTo("none");
        JsonNode container = find(backends, "container");
        assertThat(container.get("available").asBoolean()).as(container.toString()).isTrue();
        assertThat(container.get("runtimes").toString()).contains("oci");
        assertThat(container.get("filesystem").asString()).isEqualTo("overlayfs on image layers");
        JsonNode microvm = find(backends, "microvm");
        assertThat(microvm.get("available").asBoolean()).as(microvm.toString()).isTrue();
        assertThat(microvm.get("runtimes").toString()).contains("shell");
        assertThat(microvm.get("details").get("accelerator").asString()).isIn("kvm", "tcg");
        assertThat(microvm.get("details").get("accelerator_reason").asString()).isNotBlank();
        JsonNode gvisor = find(backends, "gvisor");
        assertThat(gvisor.get("available").asBoolean()).as(gvisor.toString()).isTrue();
        assertThat(gvisor.get("version").asString()).startsWith("runsc");
        assertThat(gvisor.get("platform").asString()).isIn("ptrace", "kvm");
        assertThat(gvisor.get("details").get("why").asString()).contains("platform " + gvisor.get("platform").asString());
        assertThat(gvisor.get("runtimes").toString()).contains("oci", "python");
        assertThat(gvisor.get("isolation_strength").asString()).contains("gVisor");
        for (JsonNode b : backends) {
            assertThat(b.has("platform")).as(b.toString()).isTrue();
            if (b.get("available").asBoolean()) {
                assertThat(b.get("platform").asString()).as(b.toString()).isNotBlank();
                assertThat(b.get("networking").asString()).as(b.toString()).isNotBlank();
                assertThat(b.get("filesystem").asString()).as(b.toString()).isNotBlank();
            }
        }
    }

    @Test
    void nodesShowThisNodeWithItsCapacity() {
        JsonNode nodes = http.get("/v1/nodes").json();
        assertThat(nodes).hasSize(1);
        JsonNode node = nodes.get(0);
        assertThat(node.get("cpus_total").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(node.get("mem_total_mb").asLong()).isGreaterThan(100);
        assertThat(node.get("status").asString()).isEqualTo("online");
        assertThat(node.get("backends").toString()).contains("isolate");
        assertThat(http.get("/v1/nodes/" + node.get("id").asString()).status()).isEqualTo(200);
        assertThat(http.get("/v1/nodes/no-such-node").status()).isEqualTo(404);
    }

    @Test
    void statsCountWorkloadsByStatusAndIsolation() {
        http.post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => 1\"}");
        http.post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => { throw 1 }\"}");
        JsonNode stats = http.get("/v1/stats").json();
        assertThat(stats.get("total").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(stats.get("by_status").get("completed").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(stats.get("by_status").get("failed").asLong()).isGreaterThanOrEqualTo(1);
        JsonNode isolate = stats.get("by_isolation").get(0);
        assertThat(isolate.get("isolation").asString()).isEqualTo("isolate");
        assertThat(isolate.get("p50_ms").isNumber()).isTrue();
    }

    @Test
    void metricsPassPromtoolAndCountWorkloads() throws Exception {
        http.post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => 1\"}");
        Http.Reply metrics = http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body())
                .contains("vulcan_workloads_finished_total{isolation=\"isolate\",runtime=\"javascript\",status=\"completed\"}")
                .contains("vulcan_workload_duration_seconds_bucket{isolation=\"isolate\",runtime=\"javascript\",le=")
                .contains("vulcan_backend_available{isolation=\"isolate\"} 1")
                .contains("vulcan_http_request_duration_seconds");

        Path promtool = Path.of("/usr/bin/promtool");
        Tools.require(promtool, "scripts/setup (Debian package prometheus)");
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        check.getOutputStream().write(metrics.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(output).isZero();
    }

    @Test
    void healthzAnswersWithoutToken() {
        Http.Reply health = http.unauthenticated("/healthz");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asString()).isEqualTo("ok");
    }

    @Test
    void tcpWithoutTheRightTokenIs401() {
        Http.Reply none = http.unauthenticated("/v1/workloads");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("error").get("code").asString()).isEqualTo("unauthorized");
        Http.Reply wrong = new Http(daemon.port, "not-the-token").get("/v1/workloads");
        assertThat(wrong.status()).isEqualTo(401);
    }

    @Test
    void tokenFileAndSocketHaveTightModes() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.stateDir.resolve("api-token"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket))).isEqualTo("rw-rw----");
        assertThat(daemon.token()).hasSizeGreaterThanOrEqualTo(32);
    }

    @Test
    void databaseIsSqliteInWalMode() throws Exception {
        Path db = daemon.stateDir.resolve("vulcan.db");
        assertThat(Files.readString(db, java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("SQLite format 3");
        assertThat(daemon.stateDir.resolve("vulcan.db-wal")).exists();
    }

    private static JsonNode find(JsonNode backends, String isolation) {
        for (JsonNode b : backends) {
            if (b.get("isolation").asString().equals(isolation)) {
                return b;
            }
        }
        throw new AssertionError("no backend " + isolation + " in " + backends);
    }
}
