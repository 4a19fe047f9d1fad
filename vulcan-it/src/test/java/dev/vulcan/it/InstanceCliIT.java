package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Long-lived instances and named volumes through the real launcher, bin/vulcan, against a real
 * daemon running busybox containers under conmon with crun or runc.
 */
class InstanceCliIT extends SharedDaemon {

    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String IMAGE = "it/busybox:1";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What the tests made, removed after them: instances outlive the daemon on purpose. */
    private static final Set<String> instances = ConcurrentHashMap.newKeySet();
    private static final Set<String> volumes = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void importBusybox() {
        if (!Files.isExecutable(BUSYBOX)) {
            String why = "no static busybox at " + BUSYBOX + " (Debian busybox-static)";
            if (Repo.inCi()) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        Tools.requireFile(Repo.root().resolve("vulcan-cli/target/classpath.txt"), "scripts/setup (it builds the CLI)");
        Path archive = temp.resolve("busybox.oci.tar");
        Cli.Result built = Cli.exec(List.of(Repo.root().resolve("scripts/busybox-image").toString(), archive.toString(),
                IMAGE), temp);
        assertThat(built.exit()).as(built.err()).isZero();
        Cli.Result imported = vulcan("image", "import", archive.toString(), "--name", IMAGE);
        assertThat(imported.exit()).as(imported.err()).isZero();
    }

    @AfterAll
    static void removeWhatTheTestsMade() {
        List<String> failures = new ArrayList<>();
        for (String name : instances) {
            Cli.Result rm = vulcan("rm", "-f", name);
            if (rm.exit() != 0 && !rm.err().contains("instance_not_found")) {
                failures.add(rm.err());
            }
        }
        for (String name : volumes) {
            Cli.Result rm = vulcan("volume", "rm", name);
            if (rm.exit() != 0 && !rm.err().contains("not_found")) {
                failures.add(rm.err());
            }
        }
        if (daemon != null) {
            assertThat(http.get("/v1/instances").json().path("instances")).as("instances left").isEmpty();
        }
        assertThat(failures).as("clean-up").isEmpty();
    }

    /** Runs bin/vulcan against the test's daemon, from a directory of its own. */
    static Cli.Result vulcan(String... args) {
        List<String> command = new ArrayList<>(List.of(Repo.root().resolve("bin/vulcan").toString(),
                "--socket", daemon.socket.toString()));
        command.addAll(List.of(args));
        return Cli.exec(command, temp);
    }

    private static Cli.Result ok(String... args) {
        Cli.Result r = vulcan(args);
        assertThat(r.exit()).as("vulcan " + String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    /** The command failed with exit 1 and one line on stderr holding the API's code. */
    private static void failsWith(String code, String... args) {
        Cli.Result r = vulcan(args);
        assertThat(r.exit()).as("vulcan " + String.join(" ", args) + ": " + r.out()).isEqualTo(1);
        assertThat(r.err().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("vulcan: ").contains("(" + code + ")");
    }

    /** The line of the instance in `vulcan ps`. */
    private static String psLine(String name) {
        return ok("ps").out().lines().filter(line -> line.startsWith(name + " ")).findFirst().orElse(null);
    }

    @Test
    void aNamedVolumeKeepsItsDataAcrossStopAndRestart() {
        instances.add("it-web");
        volumes.add("it-data");
        Cli.Result created = ok("create", "--name", "it-web", "--image", IMAGE, "-v", "it-data:/data",
                "--restart", "on-failure", "--env", "GREETING=hello", "--memory", "64",
                "--", "/bin/sh", "-c", "echo run >> /data/runs; echo \"$GREETING $(grep -c run /data/runs)\";"
                        + " echo to-stderr >&2; exec sleep 1000");
        assertThat(created.out()).matches("it-web [0-9a-z]{26}\n");
        assertThat(psLine("it-web")).contains("created").contains(" docker.io/it/busybox:1 ").contains("/bin/sh -c");

        assertThat(ok("start", "it-web").out()).isEqualTo("it-web running\n");
        assertThat(psLine("it-web")).contains(" running ");
        await().atMost(WAIT).untilAsserted(() -> {
            Cli.Result logs = ok("logs", "it-web");
            assertThat(logs.out()).isEqualTo("hello 1\n");
            assertThat(logs.err()).isEqualTo("to-stderr\n");
        });

        // sleep as PID 1 ignores SIGTERM: SIGKILL after the second
        Cli.Result stopped = ok("stop", "-t", "1", "it-web");
        assertThat(stopped.out()).matches("it-web stopped \\(exit \\d+\\)\n");
        assertThat(psLine("it-web")).containsPattern("stopped \\(exit \\d+\\)");
        JsonNode inspected = Http.mapper().readTree(ok("inspect", "it-web", "-o", "json").out());
        assertThat(inspected.path("status").asString()).isEqualTo("stopped");
        assertThat(inspected.path("exit_code").isNumber()).as(inspected.toString()).isTrue();
        assertThat(ok("inspect", "it-web").out()).contains("restart:     on-failure").contains("it-data:/data");

        assertThat(ok("restart", "it-web").out()).isEqualTo("it-web running\n");
        await().atMost(WAIT).untilAsserted(() -> assertThat(ok("logs", "it-web").out()).contains("hello 2\n"));

        assertThat(ok("volume", "ls").out()).containsPattern("(?m)^it-data +it-web ");
        failsWith("volume_in_use", "volume", "rm", "it-data");
        failsWith("instance_running", "rm", "it-web");
        assertThat(psLine("it-web")).contains(" running ");

        assertThat(ok("rm", "-f", "it-web").out()).isEqualTo("removed it-web\n");
        assertThat(psLine("it-web")).isNull();
        assertThat(ok("volume", "inspect", "it-data").out()).contains("used by:   -");
        assertThat(ok("volume", "rm", "it-data").out()).isEqualTo("removed it-data\n");
        assertThat(ok("volume", "ls").out()).doesNotContain("it-data");
    }

    @Test
    void aDuplicateNameIsOneLine() {
        instances.add("it-dup");
        ok("create", "--name", "it-dup", "--image", IMAGE, "--cmd", "sleep 1000");
        failsWith("name_in_use", "create", "--name", "it-dup", "--image", IMAGE, "--cmd", "sleep 1000");
        assertThat(ok("rm", "it-dup").out()).isEqualTo("removed it-dup\n");
    }

    @Test
    void badRequestsAreOneLineAndMakeNothing() {
        failsWith("invalid_restart", "create", "--name", "it-bad", "--image", IMAGE, "--restart", "sometimes");
        failsWith("image_not_found", "create", "--name", "it-bad", "--image", "it/nothing-here:1");
        failsWith("instance_not_found", "start", "it-nobody");
        failsWith("instance_not_found", "logs", "it-nobody");
        assertThat(psLine("it-bad")).isNull();
    }

    @Test
    void theInstanceGroupWithABindMountAndTheRestartPolicy() throws IOException {
        instances.add("it-crash");
        Path conf = Files.createDirectories(temp.resolve("conf"));
        Files.writeString(conf.resolve("motd"), "from the host\n");
        Cli.Result created = ok("instance", "create", "--name", "it-crash", "--image", IMAGE, "--start",
                "-v", conf + ":/conf:ro", "--restart", "on-failure",
                "--cmd", "cat /conf/motd; touch /conf/x 2>/dev/null || echo read-only; exit 3");
        assertThat(created.out()).startsWith("it-crash ");

        // it fails each time, and each time the policy starts it again
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode instance = Http.mapper().readTree(ok("instance", "inspect", "it-crash", "-o", "json").out());
            assertThat(instance.path("restart_count").asInt()).isGreaterThanOrEqualTo(2);
        });
        assertThat(ok("instance", "ls").out()).containsPattern("(?m)^it-crash ");
        assertThat(ok("instance", "logs", "it-crash").out()).contains("from the host\nread-only\n");
        assertThat(conf.resolve("x")).doesNotExist();

        assertThat(ok("instance", "rm", "-f", "it-crash").out()).isEqualTo("removed it-crash\n");
        assertThat(psLine("it-crash")).isNull();
    }
}
