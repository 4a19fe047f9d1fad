package dev.vulcan.daemon.backend.microvm;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Boots real microVMs (QEMU, the Debian cloud kernel, the agent's initramfs from scripts/vm-images)
 * under whichever accelerator the probe picks: TCG on this machine kind, so every boot takes
 * seconds and the deadlines are generous.
 */
class MicroVmIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration BOOT = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);

    @TempDir
    static Path shared;

    static VmImage image;
    static QemuDriver driver;
    static Accelerator accelerator;

    private final List<VmDriver.Running> vms = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        if (!Files.isExecutable(QemuDriver.DEFAULT_BINARY)) {
            skipOrFail("no " + QemuDriver.DEFAULT_BINARY + " (Debian qemu-system-x86)");
        }
        Path dir = Path.of(System.getProperty("vulcan.vm.image", VmImage.DEFAULT_DIR.toString()));
        try {
            image = VmImage.load(dir, JSON);
        } catch (IOException e) {
            skipOrFail(e.getMessage());
        }
        driver = QemuDriver.create(QemuDriver.DEFAULT_BINARY, TscFrequency.host(), JSON, new ProcessRunner.Native());
        accelerator = probe().probe();
        System.out.println("microVM: " + driver.version() + ", accelerator " + accelerator.name() + ": " + accelerator.reason());
    }

    private static AcceleratorProbe probe() {
        return new AcceleratorProbe(driver, image, shared.resolve("accel"), Path.of("/dev/kvm"), JSON, Duration.ofSeconds(20),
                Duration.ofSeconds(120));
    }

    @AfterAll
    static void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    @AfterEach
    void closeVms() {
        vms.forEach(VmDriver.Running::close);
    }

    private VmDriver.Running launch(String name, List<String> kernelArgs) throws IOException {
        String id = "it-" + name + "-" + ProcessHandle.current().pid();
        VmDriver.Running vm = driver.launch(new VmSpec(id, image, accelerator, 1, 256, shared.resolve(id), kernelArgs), BOOT);
        vms.add(vm);
        return vm;
    }

    /** Output of one command, per stream. */
    private static final class Output implements AgentClient.OutputListener {
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

        @Override
        public synchronized void output(LogSink.Stream stream, byte[] chunk) {
            (stream == LogSink.Stream.STDOUT ? stdout : stderr).writeBytes(chunk);
        }

        String out() {
            return stdout.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return stderr.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void runsSeveralCommandsInOneVmThenQuitsThroughQmp() throws IOException {
        long start = System.nanoTime();
        VmDriver.Running vm = launch("cmds", List.of());
        try (AgentClient agent = AgentClient.handshake(vm.agentChannel(), BOOT)) {
            assertThat(agent.version()).isEqualTo("vulcan-agent/1");
            Output hello = new Output();
            CommandResult echo = agent.exec(CommandRequest.of("echo", "hello"), hello, COMMAND);
            System.out.printf("microVM (%s): boot to first result %d ms, QEMU RSS %d MB%n", accelerator.name(),
                    Duration.ofNanos(System.nanoTime() - start).toMillis(), vm.rssBytes() / (1024 * 1024));
            assertThat(hello.out()).isEqualTo("hello\n");
            assertThat(hello.err()).isEmpty();
            assertThat(echo).extracting(CommandResult::kind, CommandResult::code).containsExactly(CommandResult.Kind.EXITED, 0);

            Output split = new Output();
            CommandResult failing = agent.exec(CommandRequest.of("sh", "-c", "echo out; echo err >&2; exit 3"), split, COMMAND);
            assertThat(failing).extracting(CommandResult::kind, CommandResult::code).containsExactly(CommandResult.Kind.EXITED, 3);
            assertThat(split.out()).isEqualTo("out\n");
            assertThat(split.err()).isEqualTo("err\n");

            Output envCwd = new Output();
            CommandResult env = agent.exec(new CommandRequest(List.of("sh", "-c", "echo $GREETING; pwd; cat"),
                    Map.of("GREETING", "hi there"), "/tmp", null, "from stdin".getBytes(StandardCharsets.UTF_8)), envCwd, COMMAND);
            assertThat(env.succeeded()).isTrue();
            assertThat(envCwd.out()).isEqualTo("hi there\n/tmp\nfrom stdin");

            // Stdin larger than a pipe holds: read in full by one command, ignored by another.
            byte[] big = "x".repeat(300_000).getBytes(StandardCharsets.UTF_8);
            Output counted = new Output();
            assertThat(agent.exec(CommandRequest.of("wc", "-c").withStdin(big), counted, COMMAND).succeeded()).isTrue();
            assertThat(counted.out().strip()).isEqualTo("300000");
            assertThat(agent.exec(CommandRequest.of("true").withStdin(big), new Output(), COMMAND).succeeded()).isTrue();

            CommandResult missing = agent.exec(CommandRequest.of("/no/such/program"), new Output(), COMMAND);
            assertThat(missing.kind()).isEqualTo(CommandResult.Kind.NOT_STARTED);
            assertThat(missing.message()).contains("/no/such/program").contains("No such file");

            CommandResult slow = agent.exec(CommandRequest.of("sleep", "600").withTimeout(Duration.ofSeconds(1)), new Output(), COMMAND);
            assertThat(slow.kind()).isEqualTo(CommandResult.Kind.TIMED_OUT);
            assertThat(slow.duration()).isGreaterThanOrEqualTo(Duration.ofSeconds(1)).isLessThan(Duration.ofSeconds(30));

            // The VM still serves after a timeout.
            Output after = new Output();
            assertThat(agent.exec(CommandRequest.of("echo", "still here"), after, COMMAND).succeeded()).isTrue();
            assertThat(after.out()).isEqualTo("still here\n");
        }
        vm.quit(Duration.ofSeconds(30));
        assertThat(vm.exited()).isDone();
        vm.close();
        assertNothingLeft(vm);
    }

    @Test
    void twoVmsRestoredFromOneRamFileAtOnceEachWriteOnlyTheirOwnCopy() throws Exception {
        Path snap = shared.resolve("snap");
        Files.createDirectories(snap);
        Path ram = snap.resolve("ram");
        Path state = snap.resolve("memory");
        String id = "it-save-" + ProcessHandle.current().pid();
        try (VmDriver.Running saved = driver.launch(new VmSpec(id, image, accelerator, 1, 256, shared.resolve(id), List.of(),
                null, null, new SnapshotRam(ram, true)), BOOT);
                AgentClient agent = AgentClient.handshake(saved.agentChannel(), BOOT)) {
            // the initramfs is the guest's root: its files live in guest RAM, so in the RAM file
            assertThat(agent.exec(CommandRequest.of("sh", "-c", "echo saved > /marker"), new Output(), COMMAND).succeeded()).isTrue();
            saved.snapshot(state, COMMAND);
        }
        assertThat(Files.size(state)).as("the RAM is not in the migration stream").isLessThan(4L * 1024 * 1024);
        byte[] before = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(ram));

        List<VmDriver.Running> restored = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            String rid = "it-restore-" + name + "-" + ProcessHandle.current().pid();
            VmDriver.Running vm = driver.launch(new VmSpec(rid, image, accelerator, 1, 256, shared.resolve(rid), List.of(),
                    null, state, new SnapshotRam(ram, false)), BOOT);
            vms.add(vm);
            vm.resume(BOOT);
            restored.add(vm);
        }
        List<AgentClient> agents = new ArrayList<>();
        try {
            for (VmDriver.Running vm : restored) {
                agents.add(AgentClient.handshake(vm.agentChannel(), BOOT));
            }
            for (int i = 0; i < 2; i++) {
                Output out = new Output();
                assertThat(agents.get(i).exec(CommandRequest.of("sh", "-c", "cat /marker; echo vm" + i + " > /marker; cat /marker"),
                        out, COMMAND).succeeded()).isTrue();
                // each sees the saved file, then its own write; b does not see a's
                assertThat(out.out()).isEqualTo("saved\nvm" + i + "\n");
            }
        } finally {
            for (AgentClient a : agents) {
                a.close();
            }
        }
        restored.forEach(VmDriver.Running::close);
        assertThat(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(ram)))
                .as("restored VMs map the file copy-on-write: it is never written").isEqualTo(before);
    }

    @Test
    void powerOffThroughTheAgentEndsQemu() throws Exception {
        VmDriver.Running vm = launch("off", List.of());
        try (AgentClient agent = AgentClient.handshake(vm.agentChannel(), BOOT)) {
            agent.powerOff(COMMAND);
        }
        assertThat(vm.exited().get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
        assertThat(vm.diagnostics()).contains("power off");
        vm.close();
        assertNothingLeft(vm);
    }

    @Test
    void aGuestThatNeverAnswersHitsTheDeadlineAndLeavesNothing() throws IOException {
        // init is sleep: the kernel boots, but no agent ever opens the port.
        VmDriver.Running vm = launch("mute", List.of("rdinit=/bin/sleep", "--", "3600"));
        assertThatThrownBy(() -> AgentClient.handshake(vm.agentChannel(), Duration.ofSeconds(5)))
                .isInstanceOf(AgentException.class)
                .satisfies(e -> assertThat(((AgentException) e).reason()).isEqualTo(AgentException.Reason.DEADLINE));
        assertThat(vm.exited()).isNotDone();
        vm.close();
        assertNothingLeft(vm);
    }

    @Test
    void aKernelWithoutInitEndsQemuAndTheHandshakeSaysSo() throws IOException {
        // panic=-1 and -no-reboot: a guest whose init is missing panics, and QEMU exits.
        VmDriver.Running vm = launch("noinit", List.of("rdinit=/no/such/init"));
        assertThatThrownBy(() -> AgentClient.handshake(vm.agentChannel(), BOOT))
                .isInstanceOf(AgentException.class)
                .satisfies(e -> assertThat(((AgentException) e).reason()).isEqualTo(AgentException.Reason.CLOSED));
        assertThat(vm.diagnostics()).contains("Kernel panic");
        vm.close();
        assertNothingLeft(vm);
    }

    @Test
    void theAcceleratorVerdictIsCached() throws IOException {
        AcceleratorProbe probe = probe();
        Accelerator again = probe.probe();
        assertThat(again.name()).isEqualTo(accelerator.name());
        assertThat(again.reason()).endsWith("(cached)");
        try (var files = Files.list(shared.resolve("accel"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("accelerator.json");
        }
    }

    @Test
    void aKernelCorruptedInPlaceIsProbedAgainAndFailsTheProbeWithTheConsole() throws IOException {
        Path copy = Files.createDirectories(shared.resolve("corrupt-image"));
        for (String name : List.of("image.json", image.kernel().getFileName().toString(), image.initramfs().getFileName().toString())) {
            Files.copy(image.kernel().resolveSibling(name), copy.resolve(name));
        }
        VmImage copied = VmImage.load(copy, JSON);
        Path state = shared.resolve("corrupt-accel");
        AcceleratorProbe good = new AcceleratorProbe(driver, copied, state, Path.of("/dev/kvm"), JSON, Duration.ofSeconds(5), BOOT);
        assertThat(good.probe().name()).isEqualTo(accelerator.name());

        // the same manifest, a kernel that is no kernel: the cached verdict must not hide it
        byte[] garbage = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(copied.kernel(), garbage);
        AcceleratorProbe again = new AcceleratorProbe(driver, copied, state, Path.of("/dev/kvm"), JSON, Duration.ofSeconds(5), BOOT);
        assertThatThrownBy(again::probe).isInstanceOf(IOException.class)
                .hasMessageContaining("does not boot").hasMessageContaining("scripts/vm-images --force");
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(state.toString())))
                .isEmpty();
    }

    private static void assertNothingLeft(VmDriver.Running vm) {
        assertThat(ProcessHandle.of(vm.pid()).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("")
                .contains("-name vulcan-" + vm.spec().id() + " "))).isEmpty();
        assertThat(vm.spec().runDir()).doesNotExist();
    }
}
