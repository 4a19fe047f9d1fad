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

/** Image workloads on the container isolation: a busybox image built here, imported, run with crun or runc. */
class ContainerWorkloadIT extends SharedDaemon {

    private static final String IMAGE = "it/busybox:1";

    @BeforeAll
    static void importBusybox() {
        BusyboxImage.importInto(http, temp, IMAGE);
    }

    /** Explicitly in a container: auto runs images in gVisor. */
    private static Http.Reply run(Map<String, Object> body) {
        return http.postJson("/v1/workloads", container(body));
    }

    static Map<String, Object> container(Map<String, Object> body) {
        Map<String, Object> explicit = new java.util.HashMap<>(body);
        explicit.putIfAbsent("isolation", "container");
        return explicit;
    }

    @Test
    void theContainerIsolationIsAvailable() {
        JsonNode backends = http.get("/v1/backends").json();
        JsonNode container = null;
        for (JsonNode b : backends) {
            if ("container".equals(b.path("isolation").asString())) {
                container = b;
            }
        }
        assertThat(container).isNotNull();
        assertThat(container.path("available").asBoolean()).as(container.toString()).isTrue();
        assertThat(container.path("runtimes").toString()).contains("oci");
        assertThat(container.path("details").path("why").asString()).isNotEmpty();
    }

    @Test
    void echoCompletesWithStdoutAsOutput() {
        Http.Reply reply = run(Map.of("image", IMAGE, "cmd", "echo hello"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode w = reply.json();
        assertThat(w.path("status").asString()).as(reply.body()).isEqualTo("completed");
        assertThat(w.path("output").asString()).isEqualTo("hello\n");
        assertThat(w.path("exit_code").asInt()).isZero();
        assertThat(w.path("isolation_used").asString()).isEqualTo("container");
        assertThat(w.path("runtime").asString()).isEqualTo("oci");
        assertThat(w.path("image").asString()).isEqualTo("docker.io/it/busybox:1");
    }

    @Test
    void execFormRunsWithoutAShell() {
        Http.Reply reply = run(Map.of("image", IMAGE, "args", List.of("/bin/echo", "a  b")));

        assertThat(reply.json().path("status").asString()).as(reply.body()).isEqualTo("completed");
        assertThat(reply.json().path("output").asString()).isEqualTo("a  b\n");
    }

    @Test
    void aNonZeroExitFailsWithItsCodeAndStderrInTheLogs() {
        Http.Reply reply = run(Map.of("image", IMAGE, "cmd", "echo oops >&2; exit 3"));

        JsonNode w = reply.json();
        assertThat(w.path("status").asString()).as(reply.body()).isEqualTo("failed");
        assertThat(w.path("exit_code").asInt()).isEqualTo(3);
        assertThat(w.path("reason").asString()).isEqualTo("exit_code");
        assertThat(w.path("error").asString()).isEqualTo("exited with code 3");
        Http.Reply logs = http.get("/v1/workloads/" + w.path("id").asString() + "/logs");
        assertThat(logs.body()).contains("event: stderr").contains("\"line\":\"oops\"");
    }

    @Test
    void aTimeoutKillsTheContainer() {
        Http.Reply reply = run(Map.of("image", IMAGE, "cmd", "sleep 30", "resources", Map.of("timeout_s", 1)));

        JsonNode w = reply.json();
        assertThat(w.path("status").asString()).as(reply.body()).isEqualTo("killed");
        assertThat(w.path("reason").asString()).isEqualTo("timeout");
        assertThat(w.path("duration_ms").asLong()).isLessThan(10_000);
    }

    @Test
    void deleteKillsARunningContainer() {
        Http.Reply started = http.postJson("/v1/workloads/async", container(Map.of("image", IMAGE, "cmd", "sleep 30")));
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().path("id").asString();

        Http.Reply killed = http.delete("/v1/workloads/" + id);

        assertThat(killed.status()).as(killed.body()).isEqualTo(200);
        assertThat(killed.json().path("status").asString()).isEqualTo("killed");
        assertThat(killed.json().path("reason").asString()).isEqualTo("killed");
        assertThat(killed.json().path("duration_ms").asLong()).isLessThan(10_000);
    }

    @Test
    void anUnknownImageIsNotFoundAndRecordsNothing() {
        Http.Reply reply = run(Map.of("image", "it/nothing-here:1", "cmd", "true"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(404);
        assertThat(reply.json().at("/error/code").asString()).isEqualTo("image_not_found");
    }

    @Test
    void badImageRequestsAre400() {
        assertThat(run(Map.of("image", IMAGE, "code", "1")).status()).isEqualTo(400);
        assertThat(run(Map.of("image", IMAGE, "cmd", "true", "args", List.of("true"))).status()).isEqualTo(400);
        assertThat(run(Map.of("image", IMAGE, "runtime", "python")).status()).isEqualTo(400);
        assertThat(run(Map.of("image", "Not A Ref!!", "cmd", "true")).status()).isEqualTo(400);
    }

    @Test
    void theBusyboxImageHasEveryAppletAndRunsAsRoot() {
        JsonNode w = run(Map.of("image", IMAGE, "cmd", "ls /bin | grep -c . && id -u")).json();
        assertThat(w.get("status").asString()).as(w.toString()).isEqualTo("completed");
        String[] lines = w.get("output").asString().strip().split("\n");
        assertThat(Integer.parseInt(lines[0])).as("busybox applets linked").isGreaterThan(100);
        assertThat(lines[1]).isEqualTo("0");
    }

    @Test
    void theCliPrintsStdout() {
        Cli.Result r = new Cli(daemon.socket).run("run", "--isolation", "container", "--image", IMAGE, "--cmd", "echo hi");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hi\n");
    }
}
