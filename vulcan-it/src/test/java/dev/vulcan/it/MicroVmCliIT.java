package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Shell code in a microVM through the CLI: each workload boots QEMU with the boot image
 * scripts/setup built (TCG on this machine kind: seconds per workload), and the VM is gone after.
 */
class MicroVmCliIT extends SharedDaemon {

    static Cli cli;

    @BeforeAll
    static void cli() {
        cli = new Cli(daemon.socket);
    }

    @Test
    void aShellScriptRunsInAVmWithItsInputAndItsStdoutIsTheOutput() throws Exception {
        Path script = temp.resolve("vm.sh");
        Files.writeString(script, "read line\necho \"hello $line from $(uname -r)\"\necho to-stderr >&2\n");
        Cli.Result r = cli.run("run", "--isolation", "microvm", "--file", script.toString(), "--input", "\"vm\"", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode w = Http.mapper().readTree(r.out());
        assertThat(w.path("status").asString()).isEqualTo("completed");
        assertThat(w.path("isolation_used").asString()).isEqualTo("microvm");
        // The guest's own kernel, not the host's.
        assertThat(w.path("output").asString()).startsWith("hello \"vm\" from ").contains("cloud-amd64")
                .doesNotContain(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        Cli.Result logs = cli.run("logs", w.path("id").asString());
        assertThat(logs.out() + logs.err()).contains("to-stderr");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(temp.resolve("state/microvm/run")).isEmptyDirectory());
    }

    @Test
    void aFailingScriptAndATimeout() {
        Cli.Result failing = cli.run("run", "--isolation", "microvm", "--runtime", "shell", "--code", "exit 7");
        assertThat(failing.exit()).isNotZero();
        assertThat(failing.err()).contains("7");

        Cli.Result slow = cli.run("run", "--isolation", "microvm", "--runtime", "shell", "--code", "sleep 600",
                "--timeout", "2");
        assertThat(slow.exit()).isNotZero();
        assertThat(slow.err()).contains("timeout");
    }
}
