package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Long-lived instances through the API: lifecycle, logs, volumes, restart policies, limits, bad input. */
class InstanceApiIT extends SharedDaemon {

    private static final String IMAGE = "it/busybox:1";

    @BeforeAll
    static void importBusybox() {
        BusyboxImage.importInto(http, temp, IMAGE);
    }

    /** Instances outlive the daemon by design: remove every one a test made. */
    @AfterAll
    static void removeInstances() {
        for (JsonNode i : http.get("/v1/instances").json().path("instances")) {
            http.delete("/v1/instances/" + i.path("name").asString() + "?force=true");
        }
        for (JsonNode v : http.get("/v1/volumes").json().path("volumes")) {
            http.delete("/v1/volumes/" + v.path("name").asString());
        }
    }

    private static Http.Reply create(String name, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(extra);
        body.put("name", name);
        body.putIfAbsent("image", IMAGE);
        return http.postJson("/v1/instances", body);
    }

    private static JsonNode get(String name) {
        Http.Reply reply = http.get("/v1/instances/" + name);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private static JsonNode action(String name, String verb) {
        Http.Reply reply = http.post("/v1/instances/" + name + "/" + verb, "");
        assertThat(reply.status()).as(verb + ": " + reply.body()).isEqualTo(200);
        return reply.json();
    }

    private static String logs(String name) {
        return http.get("/v1/instances/" + name + "/logs").body();
    }

    @Test
    void anInstanceRunsStopsAndKeepsItsFilesAcrossRuns() throws IOException {
        Http.Reply made = create("life", Map.of("cmd", "cat /state 2>/dev/null || echo first run; echo $GREETING;"
                + " echo kept > /state; trap 'echo bye; exit 0' TERM; while true; do sleep 0.2; done",
                "env", List.of("GREETING=hello there")));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.json().path("status").asString()).isEqualTo("created");
        assertThat(made.json().path("isolation").asString()).isEqualTo("container");

        JsonNode running = action("life", "start");
        assertThat(running.path("status").asString()).isEqualTo("running");
        long pid = running.path("pid").asLong();
        assertThat(ProcessHandle.of(pid)).as("the container's first process on the host").isPresent();
        assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup"))).contains("/vulcan/oci/");
        await().atMost(Duration.ofSeconds(10)).until(() -> logs("life").contains("hello there"));
        assertThat(logs("life")).contains("first run").contains("event: stdout");

        JsonNode stopped = action("life", "stop");
        assertThat(stopped.path("status").asString()).isEqualTo("stopped");
        assertThat(stopped.path("exit_code").asInt()).as("its TERM trap ran").isZero();
        assertThat(stopped.path("reason").asString()).isEqualTo("stopped");
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(logs("life")).contains("bye");

        action("life", "start");
        await().atMost(Duration.ofSeconds(10)).until(() -> logs("life").contains("kept"));
        JsonNode restarted = action("life", "restart");
        assertThat(restarted.path("status").asString()).isEqualTo("running");
        assertThat(restarted.path("pid").asLong()).isNotEqualTo(pid);

        Http.Reply refused = http.delete("/v1/instances/life");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("error").path("code").asString()).isEqualTo("instance_running");
        Http.Reply removed = http.delete("/v1/instances/life?force=true");
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(http.get("/v1/instances/life").status()).isEqualTo(404);
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(daemon.stateDir.toString());
    }

    @Test
    void namedVolumesOutliveInstancesAndBindMountsCanBeReadOnly() throws IOException {
        Path shared = Files.createDirectories(temp.resolve("shared"));
        Files.writeString(shared.resolve("in.txt"), "from the host\n");
        create("writer", Map.of("cmd", "echo saved > /data/file; cat /host/in.txt; touch /host/x || echo ro",
                "volumes", List.of("keep:/data", shared + ":/host:ro")));
        action("writer", "start");
        await().atMost(Duration.ofSeconds(10)).until(() -> get("writer").path("status").asString().equals("stopped"));
        assertThat(get("writer").path("exit_code").asInt()).isZero();
        assertThat(logs("writer")).contains("from the host").contains("ro");
        assertThat(shared.resolve("x")).doesNotExist();

        Http.Reply inUse = http.delete("/v1/volumes/keep");
        assertThat(inUse.status()).isEqualTo(409);
        assertThat(http.delete("/v1/instances/writer").status()).isEqualTo(200);

        create("reader", Map.of("cmd", "cat /again/file", "volumes", List.of("keep:/again")));
        action("reader", "start");
        await().atMost(Duration.ofSeconds(10)).until(() -> logs("reader").contains("saved"));
        JsonNode volume = http.get("/v1/volumes/keep").json();
        assertThat(volume.path("used_by").toString()).contains("reader");
        http.delete("/v1/instances/reader?force=true");
        assertThat(http.delete("/v1/volumes/keep").status()).isEqualTo(200);
        assertThat(http.get("/v1/volumes/keep").status()).isEqualTo(404);
    }

    @Test
    void restartPoliciesAreHonoured() {
        create("fails", Map.of("cmd", "echo attempt; exit 3", "restart", "on-failure"));
        create("succeeds", Map.of("cmd", "exit 0", "restart", "on-failure"));
        create("always", Map.of("cmd", "exit 0", "restart", "always"));
        create("never", Map.of("cmd", "exit 5"));
        for (String name : List.of("fails", "succeeds", "always", "never")) action(name, "start");

        await().atMost(Duration.ofSeconds(30)).until(() -> get("fails").path("restart_count").asInt() >= 2
                && get("always").path("restart_count").asInt() >= 2);
        assertThat(logs("fails").split("attempt", -1).length - 1).isGreaterThanOrEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> get("never").path("status").asString().equals("stopped")
                && get("succeeds").path("status").asString().equals("stopped"));
        assertThat(get("never").path("exit_code").asInt()).isEqualTo(5);
        assertThat(get("never").path("restart_count").asInt()).isZero();
        assertThat(get("succeeds").path("restart_count").asInt()).isZero();

        // a stop ends the policy: nothing starts it again
        JsonNode stopped = action("always", "stop");
        assertThat(stopped.path("status").asString()).isEqualTo("stopped");
        int count = stopped.path("restart_count").asInt();
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2))
                .until(() -> get("always").path("status").asString().equals("stopped")
                        && get("always").path("restart_count").asInt() == count);
        action("fails", "stop");
    }

    @Test
    void anOutOfMemoryKillIsReportedAsSuch() {
        // tail keeps a line without a newline in memory: 64 MB of zeros in a 16 MB instance
        create("hog", Map.of("cmd", "head -c 64m /dev/zero | tail", "resources", Map.of("mem_mb", 16)));
        action("hog", "start");
        await().atMost(Duration.ofSeconds(20)).until(() -> get("hog").path("status").asString().equals("stopped"));
        JsonNode hog = get("hog");
        assertThat(hog.path("reason").asString()).as(hog.toString()).isEqualTo("oom");
        assertThat(hog.path("exit_code").asInt()).isEqualTo(137);
    }

    @Test
    void execRunsInARunningInstanceOnlyAndReturnsItsExitCode() {
        create("shell", Map.of("args", List.of("/bin/sleep", "1000")));
        action("shell", "start");
        Cli cli = new Cli(daemon.socket);

        Cli.Result ran = cli.run("exec", "-e", "WHO=exec", "shell", "--", "sh", "-c",
                "echo out $WHO; echo err >&2; tr '\\0' ' ' < /proc/1/cmdline; exit 3");
        assertThat(ran.exit()).as(ran.err()).isEqualTo(3);
        assertThat(ran.out()).contains("out exec").contains("/bin/sleep 1000");
        assertThat(ran.err()).contains("err");

        action("shell", "stop");
        Cli.Result stopped = cli.run("exec", "shell", "--", "true");
        assertThat(stopped.exit()).isNotZero();
        assertThat(stopped.err().strip()).doesNotContain("\n").contains("stopped");
        Cli.Result unknown = cli.run("exec", "ghost", "--", "true");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("ghost");
    }

    @Test
    void badRequestsAreClearErrorsAndRecordNothing() {
        assertThat(create("dup", Map.of("cmd", "sleep 100")).status()).isEqualTo(201);
        Http.Reply dup = create("dup", Map.of("cmd", "true"));
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.json().path("error").path("code").asString()).isEqualTo("name_in_use");

        assertError(create("noimage", Map.of("image", "it/absent:1")), 404, "image_not_found");
        assertError(create("badvol", Map.of("volumes", List.of("/no/such/dir:/x"))), 400, "invalid_volume");
        assertError(create("bad name!", Map.of()), 400, "invalid_name");
        assertError(create("badrestart", Map.of("restart", "sometimes")), 400, "invalid_restart");
        assertError(create("badlimit", Map.of("resources", Map.of("timeout_s", 5))), 400, "invalid_limits");
        assertError(http.post("/v1/instances/ghost/start", ""), 404, "instance_not_found");
        assertError(http.get("/v1/instances/ghost/logs"), 404, "instance_not_found");
        assertError(http.post("/v1/volumes", "{\"name\":\"../x\"}"), 400, "invalid_name");

        List<String> names = new ArrayList<>();
        http.get("/v1/instances").json().path("instances").forEach(i -> names.add(i.path("name").asString()));
        assertThat(names).doesNotContain("noimage", "badvol", "bad name!", "badrestart", "badlimit");

        create("nostart", Map.of("args", List.of("/no/such/binary")));
        Http.Reply failed = http.post("/v1/instances/nostart/start", "");
        assertError(failed, 422, "start_failed");
        assertThat(failed.json().path("error").path("message").asString()).contains("/no/such/binary");
        assertThat(get("nostart").path("status").asString()).isEqualTo("stopped");
        assertThat(get("nostart").path("reason").asString()).isEqualTo("start_failed");
    }

    private static void assertError(Http.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.json().path("error").path("code").asString()).isEqualTo(code);
        assertThat(reply.json().path("error").path("message").asString()).isNotBlank();
    }
}
