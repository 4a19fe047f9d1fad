package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vulcan.api.Isolation;
import dev.vulcan.api.LogEvent;
import dev.vulcan.daemon.backend.ExecProcess;
import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.InstanceDriver.RunState;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.RegistryTrust;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Instance VMs for real (QEMU, the cloud kernel, this checkout's agent from VULCAN_VM_IMAGES): a busybox
 * instance boots, logs, execs, stops by ACPI, starts again with its disk, is adopted by a new driver (as after
 * a daemon restart) and is removed without a trace. 1 vCPU, 256 MiB, sequential: TCG is CPU-heavy.
 */
class MicroVmInstancesIT {

    @TempDir
    static Path state;

    static final JsonMapper JSON = JsonMapper.builder().build();
    static MicroVmBackend backend;
    static ImageStore images;
    static ImageReference busybox;
    static final List<MicroVmInstances> drivers = Collections.synchronizedList(new ArrayList<>());
    static final List<String> ids = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void setUp() throws Exception {
        Path imageDir = VmTestImage.dir();
        images = ImageStore.open(state.resolve("images"), JSON, RegistryTrust.defaults(state.resolve("certs.d")));
        BaseImages baseImages = new BaseImages(images, BaseImages.DEFAULT_DIR);
        busybox = baseImages.ensure(CodeImage.SHELL);
        backend = new MicroVmBackend(MicroVmBackend.Config.defaults(state.resolve("microvm")).withImageDir(imageDir)
                .withWarmStarts(false), JSON, images, baseImages);
    }

    @AfterAll
    static void tearDown() {
        // whatever a failed test left running
        MicroVmInstances cleaner = null;
        try {
            if (backend != null) {
                cleaner = driver();
                for (String id : ids) {
                    cleaner.remove(id);
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            drivers.forEach(MicroVmInstances::close);
            if (backend != null) {
                backend.close();
            }
        }
    }

    private static MicroVmInstances driver() throws Exception {
        MicroVmInstances driver = new MicroVmInstances(backend, images, JSON, state.resolve("microvm/instances"));
        drivers.add(driver);
        return driver;
    }

    private static String newId(String what) {
        String id = "vmit-" + what + "-" + Long.toString(System.nanoTime(), 36);
        ids.add(id);
        return id;
    }

    private static InstanceDriver.Launch launch(String script) {
        return new InstanceDriver.Launch(new ExecutionRequest.ImageCommand(busybox.toString(), List.of(script), true),
                List.of("GREETING=hi-from-env"), List.of(), new InstanceDriver.Limits(256, 1, 0), null, Isolation.MICROVM);
    }

    private static List<String> logLines(InstanceDriver driver, String id) throws Exception {
        return driver.logs(id, 0).events().stream().map(LogEvent::line).toList();
    }

    private record Result(int exit, String stdout, String stderr) {}

    private static Result exec(InstanceDriver driver, String id, ExecSpec spec, String stdin) throws Exception {
        try (ExecProcess p = driver.exec(id, spec)) {
            if (stdin != null) {
                p.stdin().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.stdin().close();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errors = Thread.ofVirtual().start(() -> {
                try {
                    p.stderr().transferTo(err);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.exitCode().get(60, TimeUnit.SECONDS);
            errors.join(Duration.ofSeconds(10));
            return new Result(exit, out, err.toString(StandardCharsets.UTF_8));
        }
    }

    private static ExecSpec cmd(String... argv) {
        return new ExecSpec(List.of(argv), false, List.of(), null, 0, 0);
    }

    private static List<ProcessHandle> qemusOf(String id) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(VmInstanceCommand.name(id) + " ")).toList();
    }

    @Test
    void anInstanceVmLivesThroughStopStartAndADaemonRestartAndLeavesNothingWhenRemoved() throws Exception {
        MicroVmInstances driver = driver();
        List<String> exits = Collections.synchronizedList(new ArrayList<>());
        driver.onExit(exits::add);
        driver.watch();
        String id = newId("life");
        long pid = driver.start(id, launch("echo hello-from-vm; echo $GREETING; while true; do sleep 1; done"));
        assertThat(driver.state(id)).isEqualTo(new RunState.Running(pid));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(logLines(driver, id)).contains("hello-from-vm", "hi-from-env"));

        // exec runs in the guest (its kernel command line is the VM's), chrooted into the image, with stdin
        Result cmdline = exec(driver, id, cmd("cat", "/proc/cmdline"), null);
        assertThat(cmdline.exit()).isZero();
        assertThat(cmdline.stdout()).contains("console=ttyS0 panic=-1");
        assertThat(Files.readString(Path.of("/proc/cmdline"))).doesNotContain("panic=-1 quiet tsc_early_khz");
        Result written = exec(driver, id, cmd("sh", "-c", "cat > /persisted.txt && test -f /vulcan/entry.sh && sync"),
                "kept across runs\n");
        assertThat(written.exit()).as(written.stderr()).isZero();
        assertThat(exec(driver, id, cmd("sh", "-c", "echo out; echo err >&2; exit 5"), null))
                .isEqualTo(new Result(5, "out\n", "err\n"));
        Result missing = exec(driver, id, cmd("no-such-program"), null);
        assertThat(missing.exit()).isEqualTo(127);
        assertThat(missing.stderr()).contains("no-such-program");
        // execs run side by side, up to four (the agent's port and three worker ports)
        List<ExecProcess> running = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                running.add(driver.exec(id, cmd("sleep", "60")));
            }
            assertThatThrownBy(() -> driver.exec(id, cmd("true"))).isInstanceOf(ConflictException.class)
                    .hasMessageContaining("up to 4 execs");
            running.getFirst().kill();
            assertThat(running.getFirst().exitCode().get(30, TimeUnit.SECONDS)).isEqualTo(137);
            running.removeFirst().close();
            assertThat(exec(driver, id, cmd("echo", "side-by-side"), null)).isEqualTo(new Result(0, "side-by-side\n", ""));
        } finally {
            running.forEach(ExecProcess::close);
        }
        Result tty = exec(driver, id, new ExecSpec(List.of("sh", "-c", "tty; stty size"), true, List.of(), null, 33, 101), null);
        assertThat(tty.exit()).isZero();
        assertThat(tty.stdout()).contains("/dev/pts/").contains("33 101");

        // the console: what is typed is echoed by the guest's terminal, and it shows in the log too
        try (ExecProcess console = driver.console(id)) {
            console.stdin().write("typed-into-console\n".getBytes(StandardCharsets.UTF_8));
            console.stdin().flush();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                byte[] buffer = new byte[4096];
                try {
                    for (int n; (n = console.stdout().read(buffer)) > 0; ) {
                        synchronized (seen) {
                            seen.write(buffer, 0, n);
                        }
                    }
                } catch (java.io.IOException e) {
                    // detached
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                synchronized (seen) {
                    return seen.toString(StandardCharsets.UTF_8).contains("typed-into-console");
                }
            });
            // the console's terminal takes the caller's size (the guest's stty, over a free exec port)
            console.resize(40, 120);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(exec(driver, id, cmd("stty", "-F", "/dev/hvc0", "size"), null).stdout()).isEqualTo("40 120\n"));
            console.stdin().close(); // detach
            assertThat(console.exitCode().get(10, TimeUnit.SECONDS)).isZero();
            reader.join(Duration.ofSeconds(10));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(logLines(driver, id)).contains("typed-into-console"));

        // stop: the ACPI power button; the agent terminates the main process and powers off
        driver.signal(id, "TERM");
        await().atMost(Duration.ofSeconds(90)).until(() -> driver.state(id) instanceof RunState.Exited);
        assertThat(driver.state(id)).isEqualTo(new RunState.Exited(128 + 15, false));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(exits).contains(id));
        driver.release(id);
        assertThat(driver.state(id)).isEqualTo(new RunState.Absent());
        assertThat(qemusOf(id)).isEmpty();
        assertThat(state.resolve("microvm/instances").resolve(id).resolve("rootfs.qcow2")).isRegularFile();

        // started again: the same disk
        long second = driver.start(id, launch("echo second-run; while true; do sleep 1; done"));
        assertThat(second).isNotEqualTo(pid);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(logLines(driver, id)).contains("hello-from-vm", "second-run"));
        assertThat(exec(driver, id, cmd("cat", "/persisted.txt"), null)).isEqualTo(new Result(0, "kept across runs\n", ""));

        // a new driver (a restarted daemon) adopts the running VM: state, exec and logs through it
        MicroVmInstances adopter = driver();
        assertThat(adopter.known()).contains(id);
        assertThat(adopter.state(id)).isEqualTo(new RunState.Running(second));
        assertThat(exec(adopter, id, cmd("echo", "adopted"), null)).isEqualTo(new Result(0, "adopted\n", ""));
        assertThat(logLines(adopter, id)).contains("second-run");

        adopter.remove(id);
        assertThat(qemusOf(id)).isEmpty();
        assertThat(state.resolve("microvm/instances").resolve(id)).doesNotExist();
        assertThat(state.resolve("microvm/instances/exits").resolve(id)).doesNotExist();
        assertThat(adopter.known()).doesNotContain(id);
    }

    @Test
    void whenTheMainProcessEndsTheVmPowersOffWithItsExitCode() throws Exception {
        MicroVmInstances driver = driver();
        String bad = newId("bad");
        // a command that does not exist: the start fails with the agent's reason, and the VM is gone
        assertThatThrownBy(() -> driver.start(bad, new InstanceDriver.Launch(new ExecutionRequest.ImageCommand(
                busybox.toString(), List.of("/no/such-program"), false), List.of(), List.of(),
                new InstanceDriver.Limits(256, 1, 0), null, Isolation.MICROVM)))
                .hasMessageContaining("/no/such-program").hasMessageContaining("No such file");
        assertThat(qemusOf(bad)).isEmpty();
        assertThat(driver.state(bad)).isEqualTo(new RunState.Absent());
        driver.remove(bad);

        String id = newId("exit");
        driver.start(id, launch("echo bye; exit 7"));
        await().atMost(Duration.ofSeconds(90)).until(() -> driver.state(id) instanceof RunState.Exited);
        assertThat(driver.state(id)).isEqualTo(new RunState.Exited(7, false));
        assertThat(logLines(driver, id)).contains("bye");
        await().atMost(Duration.ofSeconds(10)).until(() -> qemusOf(id).isEmpty());
        driver.remove(id);
        assertThat(state.resolve("microvm/instances").resolve(id)).doesNotExist();
    }
}
