package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A microVM instance through the CLI: create, start, logs, exec, an interactive console with piped input
 * (Ctrl-] detaches), stop, rm; and no console for a container instance. 1 vCPU, 256 MiB under TCG.
 */
class MicroVmInstanceCliIT extends SharedDaemon {

    static Cli cli;
    static final String IMAGE = "it/vm-instance-busybox:1";

    @BeforeAll
    static void setUp() {
        cli = new Cli(daemon.socket);
        BusyboxImage.importInto(http, temp, IMAGE);
    }

    @Test
    void aMicroVmInstanceWithExecLogsAndAConsole() throws Exception {
        String name = "vmcli-" + Long.toString(System.nanoTime(), 36);
        try {
            Cli.Result created = cli.run("create", "--isolation", "microvm", "--name", name, "--image", IMAGE,
                    "--network", "none", "--cpus", "1", "--memory", "256", "--cmd", "echo cli-hello; exec sh");
            assertThat(created.exit()).as(created.err()).isZero();
            Cli.Result started = cli.run("start", name);
            assertThat(started.exit()).as(started.err()).isZero();
            JsonNode instance = Http.mapper().readTree(cli.run("inspect", name, "-o", "json").out());
            assertThat(instance.path("status").asString()).isEqualTo("running");
            assertThat(instance.path("isolation").asString()).isEqualTo("microvm");
            String id = instance.path("id").asString();

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(cli.run("logs", name).out()).contains("cli-hello"));
            Cli.Result exec = cli.run("exec", name, "--", "cat", "/proc/cmdline");
            assertThat(exec.exit()).as(exec.err()).isZero();
            assertThat(exec.out()).contains("console=ttyS0 panic=-1");
            assertThat(cli.run("exec", name, "--", "sh", "-c", "exit 4").exit()).isEqualTo(4);

            // the console is the main shell's terminal: a command typed there runs, Ctrl-] detaches
            Process console = new ProcessBuilder(consoleCommand(name)).start();
            ByteArrayOutputStream shown = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> copy(console, shown));
            OutputStream keys = console.getOutputStream();
            keys.write("echo con-$((6*7))\n".getBytes(StandardCharsets.UTF_8));
            keys.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> text(shown).contains("con-42"));
            keys.write(0x1d);
            keys.flush();
            assertThat(console.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(console.exitValue()).isZero();
            reader.join(Duration.ofSeconds(10));
            assertThat(new String(console.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("detach with Ctrl-]");
            // still running after the detach; what the console showed is in the log too
            assertThat(Http.mapper().readTree(cli.run("inspect", name, "-o", "json").out()).path("status").asString())
                    .isEqualTo("running");
            assertThat(cli.run("logs", name).out()).contains("con-42");

            // an interactive sh ignores SIGTERM (the ACPI stop's): the timeout's SIGKILL ends it
            Cli.Result stopped = cli.run("stop", "-t", "2", name);
            assertThat(stopped.exit()).as(stopped.err()).isZero();
            JsonNode after = Http.mapper().readTree(cli.run("inspect", name, "-o", "json").out());
            assertThat(after.path("status").asString()).isEqualTo("stopped");
            assertThat(after.path("exit_code").asInt()).as(after.toString()).isEqualTo(137);
            Cli.Result notRunning = cli.run("exec", name, "--", "true");
            assertThat(notRunning.exit()).isNotZero();
            assertThat(notRunning.err()).contains("not_running");

            assertThat(cli.run("rm", name).exit()).isZero();
            Path dir = temp.resolve("state/microvm/instances").resolve(id);
            assertThat(dir).doesNotExist();
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("vulcan-inst-" + id)))
                    .isEmpty();
        } finally {
            cli.run("rm", "--force", name);
        }
    }

    @Test
    void aMicroVmInstanceServesOnItsNetworkByNameAndOnAPublishedPort() throws Exception {
        String name = "vmweb-" + Long.toString(System.nanoTime(), 36);
        int port = DaemonProcess.freePort();
        try {
            Cli.Result created = cli.run("create", "--isolation", "microvm", "--name", name, "--image", IMAGE,
                    "-p", port + ":80", "--start", "--", "httpd", "-f", "-p", "80", "-h", "/etc");
            assertThat(created.exit()).as(created.err()).isZero();
            JsonNode instance = Http.mapper().readTree(cli.run("inspect", name, "-o", "json").out());
            String ipv4 = instance.path("network").path("ipv4").asString();
            assertThat(ipv4).as(instance.toString()).isNotBlank();
            // the guest owns the sandbox's address: the VM's eth0 has it, not just the namespace around QEMU
            Cli.Result addr = cli.run("exec", name, "--", "ip", "-4", "addr", "show", "eth0");
            assertThat(addr.out()).as(addr.err()).contains(ipv4 + "/");

            // the published port from the host, through portmap's DNAT into the namespace, then the TAP
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    TestNetwork.run("curl", "-s", "-f", "-m", "5", "http://127.0.0.1:" + port + "/hostname"))
                    .isEqualTo(name + "\n"));
            // and from a container on the same network: its name through the daemon's DNS, then its server
            // (static busybox's wget and nc cannot resolve names themselves: nslookup has its own resolver)
            Cli.Result byName = cli.run("run", "--image", IMAGE, "--isolation", "container", "--network", "default",
                    "--cmd", "nslookup " + name + ".vulcan | grep -c " + ipv4 + "; printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n'"
                            + " | nc -w 5 " + ipv4 + " 80 | tail -1");
            assertThat(byName.exit()).as(byName.err()).isZero();
            assertThat(byName.out().strip().split("\n")).containsExactly("1", name);

            assertThat(cli.run("rm", "--force", name).exit()).isZero();
            assertThat(daemon.network.namespacesOnHost()).as("the instance's namespace, with its TAP").isEmpty();
        } finally {
            cli.run("rm", "--force", name);
        }
    }

    @Test
    void onlyMicroVmInstancesHaveAConsole() {
        String name = "ctrcon-" + Long.toString(System.nanoTime(), 36);
        try {
            assertThat(cli.run("create", "--name", name, "--image", IMAGE, "--network", "none", "--cmd", "sleep 1").exit())
                    .isZero();
            Cli.Result console = cli.run("console", name);
            assertThat(console.exit()).isNotZero();
            assertThat(console.err()).contains("console_unsupported").doesNotContain("\tat ");
        } finally {
            cli.run("rm", "--force", name);
        }
    }

    private static List<String> consoleCommand(String name) {
        List<String> command = new ArrayList<>(List.of(Repo.java().toString(), "-cp", System.getProperty("java.class.path"),
                "dev.vulcan.cli.Main", "--socket", daemon.socket.toString(), "console", name));
        return command;
    }

    private static void copy(Process process, ByteArrayOutputStream to) {
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = process.getInputStream().read(buffer)) > 0; ) {
                synchronized (to) {
                    to.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // the CLI ended
        }
    }

    private static String text(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
