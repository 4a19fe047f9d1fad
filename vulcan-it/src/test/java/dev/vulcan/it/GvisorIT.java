package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Isolation gvisor end to end: the sandbox's kernel is gVisor's, image and code workloads with their limits,
 * an instance's lifecycle with exec, kill -9 of the daemon with gVisor instances running, and runsc's own
 * state empty once everything is deleted. A backend that cannot work here says why at once.
 */
class GvisorIT extends OwnDaemon {

    private static final String IMAGE = "it/busybox:1";

    private Http start() {
        Tools.require(Path.of("/usr/bin/runsc"), "scripts/setup (Debian runsc)");
        daemon = DaemonProcess.start(temp.resolve("state"));
        BusyboxImage.importInto(daemon.http(), temp, IMAGE);
        return daemon.http();
    }

    private static JsonNode run(Http http, Map<String, Object> body) {
        Map<String, Object> gvisor = new HashMap<>(body);
        gvisor.putIfAbsent("isolation", "gvisor");
        Http.Reply reply = http.postJson("/v1/workloads", gvisor);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("isolation_used").asString()).isEqualTo("gvisor");
        return reply.json();
    }

    private List<String> runscList() {
        Cli.Result list = Cli.exec(List.of("runsc", "--root=" + temp.resolve("state/gvisor/runsc"), "list", "-quiet"), temp);
        assertThat(list.exit()).as(list.err()).isZero();
        return list.out().lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void theSandboxKernelIsGvisorsAndLimitsHold() throws Exception {
        Http http = start();
        JsonNode gvisor = null;
        for (JsonNode b : http.get("/v1/backends").json()) {
            if ("gvisor".equals(b.path("isolation").asString())) gvisor = b;
        }
        assertThat(gvisor).isNotNull();
        assertThat(gvisor.path("available").asBoolean()).as(gvisor.toString()).isTrue();
        assertThat(gvisor.path("platform").asString()).isIn("ptrace", "kvm");

        String hostRelease = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        JsonNode w = run(http, Map.of("image", IMAGE, "cmd", "uname -r; dmesg | head -1"));
        assertThat(w.path("status").asString()).as(w.toString()).isEqualTo("completed");
        String[] lines = w.path("output").asString().strip().split("\n");
        assertThat(lines[0]).isNotEqualTo(hostRelease);
        assertThat(lines[1]).contains("Starting gVisor");

        // auto runs an image in gVisor
        Http.Reply auto = http.postJson("/v1/workloads", Map.of("image", IMAGE, "cmd", "dmesg | head -1"));
        assertThat(auto.json().path("isolation").asString()).isEqualTo("auto");
        assertThat(auto.json().path("isolation_used").asString()).isEqualTo("gvisor");
        assertThat(auto.json().path("output").asString()).contains("gVisor");

        JsonNode shell = run(http, Map.of("runtime", "shell", "code", "echo $((6*7)); uname -r"));
        assertThat(shell.path("output").asString()).as(shell.toString()).startsWith("42\n").doesNotContain(hostRelease);

        JsonNode timeout = run(http, Map.of("image", IMAGE, "cmd", "sleep 30", "resources", Map.of("timeout_s", 1)));
        assertThat(timeout.path("status").asString()).isEqualTo("killed");
        assertThat(timeout.path("reason").asString()).isEqualTo("timeout");

        JsonNode oom = run(http, Map.of("image", IMAGE, "cmd", "head -c 300m /dev/zero | tail | wc -c",
                "resources", Map.of("mem_mb", 32)));
        assertThat(oom.path("status").asString()).as(oom.toString()).isEqualTo("failed");
        assertThat(oom.path("error").asString()).contains("memory limit");
        JsonNode fits = run(http, Map.of("image", IMAGE, "cmd", "head -c 8m /dev/zero | tail | wc -c",
                "resources", Map.of("mem_mb", 64)));
        assertThat(fits.path("output").asString()).as(fits.toString()).isEqualTo("8388608\n");

        // a pids limit holds the whole sandbox: 60 processes do not fit in 8 (the sandbox fails), 4 do
        JsonNode many = run(http, Map.of("image", IMAGE, "resources", Map.of("pids", 8),
                "cmd", "for i in $(seq 1 60); do sleep 2 & done; wait; echo all"));
        assertThat(many.path("status").asString()).as(many.toString()).isEqualTo("failed");
        JsonNode few = run(http, Map.of("image", IMAGE, "resources", Map.of("pids", 8),
                "cmd", "for i in 1 2 3 4; do sleep 1 & done; wait; echo all"));
        assertThat(few.path("output").asString()).as(few.toString()).isEqualTo("all\n");

        Http.Reply userns = http.postJson("/v1/workloads", Map.of("image", IMAGE, "isolation", "gvisor",
                "userns", true, "cmd", "true"));
        assertThat(userns.status()).isEqualTo(422);
        assertThat(userns.json().at("/error/code").asString()).isEqualTo("unsupported_option");
        assertThat(runscList()).isEmpty();
    }

    @Test
    void aWorkloadOnANetworkReachesAnInstanceByAddressAndName() {
        Http http = start();
        Http.Reply web = http.postJson("/v1/instances?start=true", Map.of("name", "web", "image", IMAGE,
                "isolation", "container", "args", List.of("httpd", "-f", "-p", "80", "-h", "/etc")));
        assertThat(web.status()).as(web.body()).isEqualTo(201);
        String webV4 = web.json().path("network").path("ipv4").asString();
        // busybox nc, not wget: wget's non-blocking connect gets EAGAIN on gVisor's host-stack network here
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode w = run(http, Map.of("image", IMAGE, "network", "default", "cmd",
                    "printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 5 " + webV4 + " 80 | tail -1; "
                            + "nslookup web.vulcan | grep -c " + webV4));
            assertThat(w.path("status").asString()).as(w.toString()).isEqualTo("completed");
            assertThat(w.path("output").asString().strip().split("\n")).containsExactly("web", "1");
        });
        assertThat(daemon.network.namespacesOnHost()).as("only the instance's namespace").hasSize(1);

        JsonNode auto = run(http, Map.of("image", IMAGE, "isolation", "auto", "network", "default", "cmd", "true"));
        assertThat(auto.path("status").asString()).isEqualTo("completed");

        // a gVisor instance serves on its network too: a container reaches it by name
        Http.Reply gweb = http.postJson("/v1/instances?start=true", Map.of("name", "gweb", "image", IMAGE,
                "isolation", "gvisor", "args", List.of("httpd", "-f", "-p", "80", "-h", "/etc")));
        assertThat(gweb.status()).as(gweb.body()).isEqualTo(201);
        assertThat(gweb.json().path("network").path("ipv4").asString()).startsWith("10.250.");
        String gwebV4 = gweb.json().path("network").path("ipv4").asString();
        // the instance runs before its httpd listens: ask until it answers
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Http.Reply client = http.postJson("/v1/workloads", Map.of("image", IMAGE, "isolation", "container",
                    "network", "default", "cmd", "nslookup gweb.vulcan | grep -c " + gwebV4 + "; "
                            + "printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 5 " + gwebV4 + " 80 | tail -1"));
            assertThat(client.json().path("output").asString().strip().split("\n")).as(client.body())
                    .containsExactly("1", "gweb");
        });
    }

    @Test
    void anInstanceLivesExecsAndSurvivesADaemonKill9() throws Exception {
        Http http = start();
        Http.Reply made = http.postJson("/v1/instances?start=true", Map.of("name", "gv-web", "image", IMAGE,
                "isolation", "gvisor", "cmd", "echo up; sleep 1000"));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.json().path("isolation").asString()).isEqualTo("gvisor");
        assertThat(made.json().path("status").asString()).isEqualTo("running");
        long pid = made.json().path("pid").asLong();
        Http.Reply lost = http.postJson("/v1/instances?start=true", Map.of("name", "gv-lost", "image", IMAGE,
                "isolation", "gvisor", "args", List.of("/bin/sleep", "1000")));
        assertThat(lost.status()).as(lost.body()).isEqualTo(201);
        assertThat(runscList()).hasSize(2);

        Cli cli = new Cli(daemon.socket);
        Cli.Result exec = cli.run("exec", "gv-web", "--", "sh", "-c", "dmesg | head -1; echo $((1+2))");
        assertThat(exec.exit()).as(exec.err()).isZero();
        assertThat(exec.out()).contains("Starting gVisor").endsWith("3\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.run("logs", "gv-web").out().contains("up"));

        daemon.kill9();
        // while no daemon watches, gv-lost's monitor goes: the restarted daemon must clean it
        Cli.Result pgrep = Cli.exec(List.of("pgrep", "-f", "conmon .*-c " + lost.json().path("id").asString()), temp);
        ProcessHandle conmon = ProcessHandle.of(Long.parseLong(pgrep.out().strip().lines().findFirst().orElseThrow()))
                .orElseThrow();
        conmon.destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !conmon.isAlive());
        daemon.restart();
        Http h = daemon.http();
        JsonNode web = h.get("/v1/instances/gv-web").json();
        assertThat(web.path("status").asString()).as(web.toString()).isEqualTo("running");
        assertThat(web.path("pid").asLong()).isEqualTo(pid);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                !"running".equals(h.get("/v1/instances/gv-lost").json().path("status").asString()));
        assertThat(new Cli(daemon.socket).run("exec", "gv-web", "--", "echo", "still").out()).isEqualTo("still\n");

        assertThat(h.delete("/v1/instances/gv-web?force=true").status()).isEqualTo(200);
        assertThat(h.delete("/v1/instances/gv-lost?force=true").status()).isEqualTo(200);
        assertThat(runscList()).isEmpty();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void aBackendThatCannotWorkHereSaysWhyAtOnce() throws Exception {
        daemon = DaemonProcess.startWithProperties(temp.resolve("state"),
                List.of("-Dvulcan.gvisor.runsc=" + temp.resolve("no-such-runsc")));
        Http http = daemon.http();
        Http.Reply reply = http.postJson("/v1/workloads", Map.of("runtime", "shell", "isolation", "gvisor",
                "code", "true"));
        assertThat(reply.status()).as(reply.body()).isEqualTo(422);
        assertThat(reply.json().at("/error/code").asString()).isEqualTo("backend_unavailable");
        assertThat(reply.json().at("/error/message").asString()).contains("gvisor", "no-such-runsc");
        JsonNode gvisor = null;
        for (JsonNode b : http.get("/v1/backends").json()) {
            if ("gvisor".equals(b.path("isolation").asString())) gvisor = b;
        }
        assertThat(gvisor.path("available").asBoolean()).isFalse();
        assertThat(gvisor.path("reason").asString()).contains("no-such-runsc");
        // auto then runs an image in a container instead, and says so in isolation_used
        BusyboxImage.importInto(http, temp, IMAGE);
        Http.Reply auto = http.postJson("/v1/workloads", Map.of("image", IMAGE, "cmd", "echo hi"));
        assertThat(auto.status()).as(auto.body()).isEqualTo(200);
        assertThat(auto.json().path("isolation_used").asString()).isEqualTo("container");
        Http.Reply unknown = http.postJson("/v1/workloads", Map.of("runtime", "shell", "isolation", "firecracker",
                "code", "true"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().at("/error/code").asString()).isEqualTo("invalid_isolation");
        Http.Reply badInstance = http.postJson("/v1/instances", Map.of("name", "gv-x", "image", "it/none:1",
                "isolation", "isolate"));
        assertThat(badInstance.status()).isEqualTo(400);
    }
}
