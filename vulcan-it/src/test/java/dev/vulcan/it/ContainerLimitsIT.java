package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Limits and security options of container workloads through the real daemon: API and CLI. */
class ContainerLimitsIT extends SharedDaemon {

    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String IMAGE = "it/busybox-limits:1";

    @BeforeAll
    static void importBusybox() throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            String why = "no static busybox at " + BUSYBOX + " (Debian busybox-static)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        Path archive = temp.resolve("busybox.oci.tar");
        Cli.Result built = Cli.exec(List.of(Repo.root().resolve("scripts/busybox-image").toString(), archive.toString(),
                IMAGE), temp);
        assertThat(built.exit()).as(built.err()).isZero();
        Http.Reply imported = http.postJson("/v1/images/import", Map.of("path", archive.toString(), "name", IMAGE));
        assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    }

    private static JsonNode run(Map<String, Object> body) {
        Http.Reply reply = http.postJson("/v1/workloads", ContainerWorkloadIT.container(body));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    @Test
    void allocatingBeyondTheMemoryLimitFailsWithMemoryLimit() {
        // tail keeps the whole last "line" (64 MiB of zeros, no newline) in anonymous memory
        JsonNode w = run(Map.of("image", IMAGE, "cmd", "head -c 64m /dev/zero | tail",
                "resources", Map.of("mem_mb", 16)));

        assertThat(w.path("status").asString()).as(w.toString()).isEqualTo("failed");
        assertThat(w.path("reason").asString()).isEqualTo("memory_limit");
        assertThat(w.path("error").asString()).contains("16 MB");
        assertThat(w.at("/resources/mem_mb").asInt()).isEqualTo(16);
    }

    @Test
    void theCliReportsAnOomKillAndExitsNonZero() {
        Cli.Result r = new Cli(daemon.socket).run("run", "--isolation", "container", "--image", IMAGE, "--memory", "16", "--cmd",
                "head -c 64m /dev/zero | tail");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("failed: memory_limit: ");
    }

    @Test
    void allocatingWithinTheLimitCompletes() {
        JsonNode w = run(Map.of("image", IMAGE, "cmd", "head -c 8m /dev/zero | tail | wc -c",
                "resources", Map.of("mem_mb", 64)));

        assertThat(w.path("status").asString()).as(w.toString()).isEqualTo("completed");
        assertThat(w.path("output").asString().strip()).isEqualTo(String.valueOf(8 << 20));
    }

    @Test
    void theCliReportsATimeoutAsKilled() {
        Cli.Result r = new Cli(daemon.socket).run("run", "--isolation", "container", "--image", IMAGE, "--timeout", "1", "--cmd", "sleep 30");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("killed: timeout");
    }

    @Test
    void aPidsLimitStopsForksAndIsReported() {
        JsonNode w = run(Map.of("image", IMAGE, "resources", Map.of("pids", 8),
                "cmd", "cat /sys/fs/cgroup/pids/pids.max; i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done"));

        assertThat(w.path("status").asString()).as(w.toString()).isEqualTo("failed");
        assertThat(w.path("exit_code").asInt()).as("busybox ash ends when a fork fails").isEqualTo(2);
        assertThat(w.at("/resources/pids").asInt()).isEqualTo(8);
        Http.Reply logs = http.get("/v1/workloads/" + w.path("id").asString() + "/logs");
        assertThat(logs.body()).contains("\"line\":\"8\"").contains("can't fork");
        JsonNode again = http.get("/v1/workloads/" + w.path("id").asString()).json();
        assertThat(again.at("/resources/pids").asInt()).as("pids are persisted").isEqualTo(8);
    }

    @Test
    void theDefaultPidsLimitIs1024() {
        JsonNode w = run(Map.of("image", IMAGE, "cmd", "cat /sys/fs/cgroup/pids/pids.max"));

        assertThat(w.path("output").asString()).as(w.toString()).isEqualTo("1024\n");
        assertThat(w.at("/resources/pids").asInt()).isEqualTo(1024);
    }

    @Test
    void pidsOutOfBoundsAre400() {
        for (long pids : List.of(0L, -1L, 5_000_000L)) {
            Http.Reply reply = http.postJson("/v1/workloads", Map.of("image", IMAGE, "cmd", "true", "isolation", "container",
                    "resources", Map.of("pids", pids)));
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().at("/error/code").asString()).isEqualTo("invalid_limits");
            assertThat(reply.json().at("/error/message").asString()).startsWith("pids must be between 1 and ");
        }
    }

    @Test
    void cpusSetTheCfsQuota() {
        JsonNode w = run(Map.of("image", IMAGE, "resources", Map.of("cpus", 1),
                "cmd", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us"));

        assertThat(w.path("output").asString()).as(w.toString()).isEqualTo("100000\n100000\n");
    }

    @Test
    void readOnlyRootfsRefusesWritesOutsideDevShm() {
        String script = "touch /x 2>/dev/null && echo writable || echo read-only; echo y > /dev/shm/y && cat /dev/shm/y";

        assertThat(run(Map.of("image", IMAGE, "cmd", script, "read_only", true)).path("output").asString())
                .isEqualTo("read-only\ny\n");
        assertThat(run(Map.of("image", IMAGE, "cmd", script)).path("output").asString()).isEqualTo("writable\ny\n");
    }

    @Test
    void theCliReadOnlyFlagReachesTheContainer() {
        Cli.Result r = new Cli(daemon.socket).run("run", "--isolation", "container", "--image", IMAGE, "--read-only", "--pids", "16", "--cmd",
                "touch /x 2>/dev/null && echo writable || echo read-only; cat /sys/fs/cgroup/pids/pids.max");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("read-only\n16\n");
    }

    @Test
    void theSeccompProfileDeniesNewNamespaces() {
        JsonNode w = run(Map.of("image", IMAGE, "cmd", "unshare -U true 2>&1; echo status=$?"));

        assertThat(w.path("output").asString()).as(w.toString()).contains("Operation not permitted")
                .endsWith("status=1\n");
    }

    @Test
    void usernsRemapsRootWhereTheRuntimeCanAndIsRefusedClearlyWhereNot() {
        JsonNode container = null;
        for (JsonNode b : http.get("/v1/backends").json()) {
            if ("container".equals(b.path("isolation").asString())) container = b;
        }
        assertThat(container).isNotNull();
        String runtime = container.path("details").path("runtime").asString();
        Http.Reply reply = http.postJson("/v1/workloads", Map.of("image", IMAGE, "userns", true, "isolation", "container",
                "cmd", "id -u; cat /proc/self/uid_map; echo x > /bin/x && echo image-writable"));
        if (runtime.equals("crun")) {
            assertThat(container.path("details").path("userns").asString()).startsWith("available");
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            String[] lines = reply.json().path("output").asString().strip().split("\n");
            assertThat(lines[0]).as(reply.body()).isEqualTo("0");
            assertThat(lines[1].strip().split("\\s+")).containsExactly("0", "100000", "65536");
            assertThat(lines[2]).isEqualTo("image-writable");
            Cli.Result cli = new Cli(daemon.socket).run("run", "--isolation", "container", "--image", IMAGE, "--userns", "--cmd",
                    "cat /proc/self/uid_map");
            assertThat(cli.exit()).as(cli.err()).isZero();
            assertThat(cli.out()).contains("100000");
        } else {
            assertThat(reply.status()).as(reply.body()).isEqualTo(422);
            assertThat(reply.json().at("/error/code").asString()).isEqualTo("unsupported_option");
            assertThat(reply.json().at("/error/message").asString()).contains("crun");
        }
        JsonNode plain = run(Map.of("image", IMAGE, "cmd", "cat /proc/self/uid_map"));
        assertThat(plain.path("output").asString().strip().split("\\s+")).containsExactly("0", "0", "4294967295");
    }

    @Test
    void readOnlyOnAnIsolateIsRefused() {
        Http.Reply reply = http.postJson("/v1/workloads", Map.of("runtime", "node", "isolation", "isolate",
                "code", "export default () => 1", "read_only", true));

        assertThat(reply.status()).as(reply.body()).isIn(422);
        assertThat(reply.json().at("/error/code").asString()).isIn("unsupported_option", "backend_unavailable");
    }
}
