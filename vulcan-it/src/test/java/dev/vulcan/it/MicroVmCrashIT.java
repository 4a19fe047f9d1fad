package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * kill -9 of the daemon while microVM workloads boot and run: their QEMUs die with it (parent-death
 * signal), and the restarted daemon fails the workloads and sweeps their run dirs and disk overlays, and the
 * networked one's namespace (with its TAP).
 */
class MicroVmCrashIT {

    @TempDir
    Path temp;

    @Test
    void vmWorkloadsDieWithTheDaemonAndTheRestartLeavesNothing() throws Exception {
        Path state = temp.resolve("state");
        Path runs = state.resolve("microvm/run");
        try (DaemonProcess daemon = DaemonProcess.start(state)) {
            BusyboxImage.importInto(daemon.http(), temp, "it/crash-vm:1");
            Cli cli = new Cli(daemon.socket);
            Cli.Result image = cli.run("run", "--async", "--isolation", "microvm", "--image", "it/crash-vm:1",
                    "--cmd", "sleep 600", "--timeout", "900");
            assertThat(image.exit()).as(image.err()).isZero();
            // one of them on a network: its QEMU runs inside the workload's namespace, with a TAP there
            Cli.Result shell = cli.run("run", "--async", "--isolation", "microvm", "--runtime", "shell", "--network", "default",
                    "--code", "sleep 600", "--timeout", "900");
            assertThat(shell.exit()).as(shell.err()).isZero();
            List<String> ids = List.of(image.out().strip(), shell.out().strip());

            // both QEMUs run, and the image command's overlay is on disk
            await().atMost(Duration.ofSeconds(120)).until(() -> qemus(runs).size() == 2 && overlays(runs) == 1);
            List<ProcessHandle> qemus = qemus(runs);

            daemon.kill9();
            await("QEMU dies with the daemon").atMost(Duration.ofSeconds(20))
                    .until(() -> qemus.stream().noneMatch(ProcessHandle::isAlive));

            daemon.restart();
            for (String id : ids) {
                Cli.Result inspect = cli.run("status", id, "-o", "json");
                assertThat(inspect.exit()).as(inspect.err()).isZero();
                JsonNode w = Http.mapper().readTree(inspect.out());
                assertThat(w.path("status").asString()).as(w.toString()).isEqualTo("failed");
                assertThat(w.path("reason").asString()).isEqualTo("daemon_restarted");
            }
            assertThat(runs).isEmptyDirectory();
            assertThat(qemus(runs)).isEmpty();
            assertThat(daemon.network.namespacesOnHost()).as("the networked VM's namespace, TAP and all").isEmpty();

            // and the backend works again after the sweep
            Cli.Result after = cli.run("run", "--isolation", "microvm", "--runtime", "shell", "--code", "echo back");
            assertThat(after.exit()).as(after.err()).isZero();
            assertThat(after.out()).contains("back");
        }
    }

    private static List<ProcessHandle> qemus(Path runs) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("qemu-system"))
                .filter(p -> p.info().commandLine().orElse("").contains(runs.toString()))
                .toList();
    }

    private static long overlays(Path runs) throws java.io.IOException {
        if (!Files.isDirectory(runs)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(runs)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".qcow2")).count();
        }
    }
}
