package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * kill -9 of the daemon with two microVM instances running: their QEMUs outlive it; a restarted daemon
 * adopts the one still running (exec works, its published port still answers) and records the one whose QEMU
 * died meanwhile; removing both leaves no QEMU, socket, overlay, run dir or network namespace.
 */
class MicroVmInstanceCrashIT extends OwnDaemon {

    private static final String IMAGE = "it/vm-crash-busybox:1";

    /** The QEMU (not its monitor shell, whose arguments hold QEMU's) of an instance. */
    private static List<ProcessHandle> qemusOf(String id) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("qemu-system-x86_64")
                && p.info().commandLine().orElse("").contains("-name vulcan-inst-" + id + " ")).toList();
    }

    @Test
    void aRestartedDaemonAdoptsTheRunningVmAndRecordsTheDeadOne() throws Exception {
        daemon = DaemonProcess.start(temp.resolve("state"));
        Http http = daemon.http();
        BusyboxImage.importInto(http, temp, IMAGE);
        String[] ids = new String[2];
        long[] pids = new long[2];
        int port = DaemonProcess.freePort();
        for (int i = 0; i < 2; i++) {
            // vm0 serves on the default network with a published port; vm1 has none
            Map<String, Object> body = i == 0
                    ? Map.of("name", "vm0", "image", IMAGE, "isolation", "microvm", "resources", Map.of("mem_mb", 256, "cpus", 1),
                            "ports", List.of(port + ":80"),
                            "args", List.of("httpd", "-f", "-p", "80", "-h", "/etc"))
                    : Map.of("name", "vm1", "image", IMAGE, "isolation", "microvm", "network", "none",
                            "resources", Map.of("mem_mb", 256, "cpus", 1), "cmd", "echo up-1; while true; do sleep 1; done");
            Http.Reply made = http.postJson("/v1/instances?start=true", body);
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            ids[i] = made.json().path("id").asString();
            pids[i] = made.json().path("pid").asLong();
            assertThat(qemusOf(ids[i])).singleElement().extracting(ProcessHandle::pid).isEqualTo(pids[i]);
        }

        daemon.kill9();
        assertThat(ProcessHandle.of(pids[0])).as("a VM outlives the daemon").hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        ProcessHandle.of(pids[1]).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> qemusOf(ids[1]).isEmpty());
        daemon.restart();
        Http h = daemon.http();

        JsonNode vm0 = h.get("/v1/instances/vm0").json();
        assertThat(vm0.path("status").asString()).isEqualTo("running");
        assertThat(vm0.path("pid").asLong()).isEqualTo(pids[0]);
        Cli.Result exec = new Cli(daemon.socket).run("exec", "vm0", "--", "echo", "adopted");
        assertThat(exec.exit()).as(exec.err()).isZero();
        assertThat(exec.out()).isEqualTo("adopted\n");
        // its network went through the crash with it: the published port still reaches the guest's httpd
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TestNetwork.run("curl", "-s", "-f", "-m", "5", "http://127.0.0.1:" + port + "/hostname")).isEqualTo("vm0\n"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode vm1 = h.get("/v1/instances/vm1").json();
            assertThat(vm1.path("status").asString()).isEqualTo("stopped");
            assertThat(vm1.path("exit_code").asInt()).isEqualTo(137);
        });
        // the dead one can start again, on its disk
        assertThat(h.postJson("/v1/instances/vm1/start", Map.of()).status()).isEqualTo(200);

        for (String name : List.of("vm0", "vm1")) {
            assertThat(h.delete("/v1/instances/" + name + "?force=true").status()).isEqualTo(200);
        }
        for (String id : ids) {
            assertThat(qemusOf(id)).isEmpty();
            assertThat(temp.resolve("state/microvm/instances").resolve(id)).doesNotExist();
        }
        assertThat(daemon.network.namespacesOnHost()).isEmpty();
    }
}
