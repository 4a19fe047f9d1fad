package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Workloads in microVMs through the CLI: each boots QEMU with the boot image scripts/setup built
 * (TCG on this machine kind: seconds per workload) and, except shell code, a qcow2 overlay on the
 * ext4 rootfs of its image; the VM and its overlay are gone after.
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
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
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

    @Test
    void anImageOfTheStoreRunsInItsOwnRootfs() throws Exception {
        String image = "it/vm-busybox:1";
        BusyboxImage.importInto(http, temp, image);

        Cli.Result r = cli.run("run", "--isolation", "microvm", "--image", image, "--cmd",
                "test -d /proc/1 && test ! -e /init && echo in-image; echo x > /etc/written; cat /etc/written; uname -r", "-o", "json");
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        JsonNode w = Http.mapper().readTree(r.out());
        // no /init: the initramfs is not what the command sees; the kernel is the guest's
        assertThat(w.path("output").asString()).startsWith("in-image\nx\n").contains("cloud-amd64");
        assertNothingLeft();
    }

    @Test
    void pythonCodeAndACodeArchiveRunInThePythonImage() throws Exception {
        Path main = temp.resolve("vm_main.py");
        Files.writeString(main, "def handler(input):\n    print('from python')\n    return {'n': input['n'] * 2}\n");
        Cli.Result r = cli.run("run", "--isolation", "microvm", "--file", main.toString(), "--input", "{\"n\":21}", "-o", "json");
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        JsonNode w = Http.mapper().readTree(r.out());
        assertThat(w.path("output").path("n").asInt()).isEqualTo(42);

        Path app = temp.resolve("vm-app.tar.gz");
        Path src = Files.createDirectories(temp.resolve("vm-app/lib"));
        Files.writeString(src.getParent().resolve("main.py"),
                "from lib.util import twice\ndef handler(input):\n    return twice(input)\n");
        Files.writeString(src.resolve("__init__.py"), "");
        Files.writeString(src.resolve("util.py"), "def twice(x):\n    return [x, x]\n");
        Cli.Result tar = Cli.exec(List.of("tar", "-czf", app.toString(), "-C", src.getParent().toString(), "."), temp);
        assertThat(tar.exit()).as(tar.err()).isZero();
        Cli.Result a = cli.run("run", "--isolation", "microvm", "--runtime", "python", "--archive", app.toString(),
                "--input", "\"hi\"", "-o", "json");
        assertThat(a.exit()).as(a.err() + a.out()).isZero();
        assertThat(Http.mapper().readTree(a.out()).path("output").toString()).isEqualTo("[\"hi\",\"hi\"]");
        assertNothingLeft();
    }

    @Test
    void badArchivesAndTooMuchMemoryAreRefusedBeforeAnyVmStarts() throws Exception {
        Path evil = Files.createDirectories(temp.resolve("vm-evil"));
        Files.writeString(evil.resolve("main.py"), "def handler(i): return 1\n");
        Path archive = temp.resolve("vm-evil.tar.gz");
        // a member named ../escape: GNU tar keeps it with -P
        Cli.Result tar = Cli.exec(List.of("tar", "-czPf", archive.toString(), "-C", evil.toString(), "main.py",
                "--transform", "s,^main.py$,../escape,"), temp);
        assertThat(tar.exit()).as(tar.err()).isZero();
        Cli.Result bad = cli.run("run", "--isolation", "microvm", "--runtime", "python", "--archive", archive.toString());
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("escapes the target");

        Path noEntryArchive = temp.resolve("vm-noentry.tar.gz");
        assertThat(Cli.exec(List.of("tar", "-czf", noEntryArchive.toString(), "-C", evil.toString(), "main.py"), temp).exit()).isZero();
        Cli.Result noEntry = cli.run("run", "--isolation", "microvm", "--runtime", "node", "--archive", noEntryArchive.toString());
        assertThat(noEntry.exit()).isNotZero();
        assertThat(noEntry.err()).contains("no entrypoint main.mjs");

        Cli.Result big = cli.run("run", "--isolation", "microvm", "--runtime", "shell", "--code", "true", "--memory", "100000000");
        assertThat(big.exit()).isNotZero();
        assertThat(big.err()).contains("mem_mb must be between");
        assertNothingLeft();
    }

    /** No QEMU of this daemon runs and no run dir or disk overlay is left in its state dir. */
    private static void assertNothingLeft() {
        Path runs = temp.resolve("state/microvm/run");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(runs).isEmptyDirectory();
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(runs.toString())))
                    .isEmpty();
        });
    }
}
