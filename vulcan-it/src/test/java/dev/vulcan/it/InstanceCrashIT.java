package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * kill -9 of the daemon with 20 containers running: a restarted daemon adopts what still runs, records what
 * ended meanwhile (restarting it by policy) and cleans what lost its monitor; deleting everything then
 * leaves no mount, cgroup, runtime state, process or file behind.
 */
class InstanceCrashIT extends OwnDaemon {

    private static final String IMAGE = "it/busybox:1";
    private static final int COUNT = 20;

    private static String name(int i) {
        return String.format("c%02d", i);
    }

    @Test
    void aRestartedDaemonAdoptsOrCleansEveryContainerAndDeletingLeavesNothing() throws Exception {
        daemon = DaemonProcess.start(temp.resolve("state"));
        Http http = daemon.http();
        BusyboxImage.importInto(http, temp, IMAGE);
        Map<String, String> ids = new HashMap<>();
        Map<String, Long> pids = new HashMap<>();
        for (int i = 0; i < COUNT; i++) {
            Map<String, Object> body = new HashMap<>(Map.of("name", name(i), "image", IMAGE,
                    "args", List.of("/bin/sleep", "1000"), "restart", i < 5 ? "always" : "no"));
            if (i % 4 == 0) body.put("volumes", List.of("vol" + i + ":/data"));
            if (i % 3 == 0) body.put("resources", Map.of("mem_mb", 32));
            Http.Reply made = http.postJson("/v1/instances?start=true", body);
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            assertThat(made.json().path("status").asString()).isEqualTo("running");
            ids.put(name(i), made.json().path("id").asString());
            pids.put(name(i), made.json().path("pid").asLong());
        }

        daemon.kill9();
        // while no daemon watches: c00 (restart always) and c05 (restart no) end; c06 loses its monitor
        ProcessHandle.of(pids.get("c00")).orElseThrow().destroyForcibly();
        ProcessHandle.of(pids.get("c05")).orElseThrow().destroyForcibly();
        ProcessHandle conmon = conmonOf(ids.get("c06"));
        conmon.destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !conmon.isAlive()
                && ProcessHandle.of(pids.get("c05")).filter(ProcessHandle::isAlive).isEmpty());
        daemon.restart();
        http = daemon.http();

        Http h = http;
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode c00 = h.get("/v1/instances/c00").json();
            return c00.path("status").asString().equals("running") && c00.path("restart_count").asInt() == 1;
        });
        JsonNode c05 = http.get("/v1/instances/c05").json();
        assertThat(c05.path("status").asString()).as(c05.toString()).isEqualTo("stopped");
        assertThat(c05.path("exit_code").asInt()).isEqualTo(137);
        JsonNode c06 = http.get("/v1/instances/c06").json();
        assertThat(c06.path("status").asString()).isEqualTo("stopped");
        assertThat(c06.path("reason").asString()).isEqualTo("monitor_lost");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(pids.get("c06")).filter(ProcessHandle::isAlive).isEmpty());
        for (int i = 1; i < COUNT; i++) {
            if (i == 5 || i == 6) continue;
            JsonNode adopted = http.get("/v1/instances/" + name(i)).json();
            assertThat(adopted.path("status").asString()).as(adopted.toString()).isEqualTo("running");
            assertThat(adopted.path("pid").asLong()).isEqualTo(pids.get(name(i)));
            assertThat(ProcessHandle.of(pids.get(name(i)))).isPresent();
        }
        // adopted instances are still manageable
        JsonNode stopped = http.post("/v1/instances/c07/stop?timeout=1", "").json();
        assertThat(stopped.path("status").asString()).isEqualTo("stopped");
        assertThat(ProcessHandle.of(pids.get("c07")).filter(ProcessHandle::isAlive)).isEmpty();

        for (int i = 0; i < COUNT; i++) {
            Http.Reply removed = http.delete("/v1/instances/" + name(i) + "?force=true");
            assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        }
        for (JsonNode v : http.get("/v1/volumes").json().path("volumes")) {
            assertThat(http.delete("/v1/volumes/" + v.path("name").asString()).status()).isEqualTo(200);
        }
        assertNothingLeft(ids.values().stream().toList(), pids.values().stream().toList());
    }

    private void assertNothingLeft(List<String> ids, List<Long> pids) throws IOException, InterruptedException {
        Path state = daemon.stateDir;
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(state.toString());
        for (String id : ids) {
            try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path h : hierarchies.toList()) {
                    assertThat(h.resolve("vulcan/oci").resolve(id)).doesNotExist();
                }
            }
        }
        for (String runtime : List.of("crun", "runc")) {
            String list = run(runtime, "list");
            for (String id : ids) assertThat(list).as(runtime + " list").doesNotContain(id);
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        }
        for (String id : ids) {
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(id)))
                    .as("processes naming " + id).isEmpty();
        }
        Path instances = state.resolve("oci/instances");
        try (Stream<Path> left = Files.list(instances)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("runtime-")))
                    .containsExactlyInAnyOrder("exits", "sockets");
        }
        try (Stream<Path> exits = Files.list(instances.resolve("exits"));
                Stream<Path> sockets = Files.list(instances.resolve("sockets"));
                Stream<Path> volumes = Files.list(state.resolve("volumes"))) {
            assertThat(exits).isEmpty();
            assertThat(sockets).isEmpty();
            assertThat(volumes).isEmpty();
        }
    }

    private static ProcessHandle conmonOf(String id) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").endsWith("conmon")
                        && p.info().commandLine().orElse("").contains(" -c " + id + " "))
                .findFirst().orElseThrow(() -> new AssertionError("no conmon for " + id));
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
