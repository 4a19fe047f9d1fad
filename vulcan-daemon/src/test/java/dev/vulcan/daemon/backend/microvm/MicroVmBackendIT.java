package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.RegistryTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** Shell workloads through the backend: each boots a real VM, runs its script, and the VM is gone after. */
class MicroVmBackendIT {

    @TempDir
    static Path state;

    static MicroVmBackend backend;
    static ImageStore images;
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final LogSink sink = (stream, line) -> lines.add(stream + " " + line);

    @BeforeAll
    static void setUp() {
        // VULCAN_VM_IMAGES: a boot image built from this checkout's agent, as the daemon's --vm-images takes it
        Path imageDir = Path.of(System.getenv().getOrDefault("VULCAN_VM_IMAGES", VmImage.DEFAULT_DIR.toString()));
        if (!Files.isExecutable(QemuDriver.DEFAULT_BINARY) || !Files.isRegularFile(imageDir.resolve("image.json"))) {
            String why = "no QEMU or no boot image in " + imageDir + " (scripts/setup)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        try {
            images = ImageStore.open(state.resolve("images"), JSON, RegistryTrust.defaults(state.resolve("certs.d")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        backend = new MicroVmBackend(MicroVmBackend.Config.defaults(state.resolve("microvm")).withImageDir(imageDir), JSON, images,
                new BaseImages(images, BaseImages.DEFAULT_DIR));
    }

    @AfterAll
    static void tearDown() {
        if (backend != null) {
            backend.close();
        }
    }

    private Outcome run(String id, String script, String input, Duration timeout) throws Exception {
        Execution e = backend.start(new ExecutionRequest(id, Runtime.SHELL, script, input, new Limits(1, 128, timeout)), sink);
        return e.outcome().get(120, TimeUnit.SECONDS);
    }

    private Outcome run(ExecutionRequest request) throws Exception {
        return backend.start(request, sink).outcome().get(600, TimeUnit.SECONDS);
    }

    /** The outcome goes out first; the supervising thread kills the VM and deletes its run dir right after. */
    private static void assertNoVmLeft() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(state.resolve("microvm/run")).isEmptyDirectory());
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(state.toString())))
                .isEmpty();
    }

    @Test
    void probeSaysWhichAcceleratorAndWhy() {
        assertThat(backend.probe()).isInstanceOfSatisfying(BackendStatus.Available.class, a -> {
            assertThat(a.version()).startsWith("qemu ");
            assertThat(a.details()).containsKeys("accelerator", "accelerator_reason", "kernel");
            System.out.println("microvm backend: " + a.details());
        });
    }

    @Test
    void aShellScriptGetsItsInputAndItsStdoutIsTheOutput() throws Exception {
        Outcome o = run("01TESTSHELL", "read line; echo \"got $line\"; echo \"env $VULCAN_INPUT\"; echo note >&2", "{\"n\":1}",
                Duration.ofSeconds(60));
        assertThat(o).isInstanceOfSatisfying(Outcome.Exited.class, x -> {
            assertThat(x.exitCode()).isZero();
            assertThat(x.outputJson()).isEqualTo("\"got {\\\"n\\\":1}\\nenv {\\\"n\\\":1}\\n\"");
        });
        assertThat(lines).contains("STDOUT got {\"n\":1}", "STDERR note");
        assertNoVmLeft();
    }

    @Test
    void theTimeoutKillsTheScriptAndTheVm() throws Exception {
        Outcome o = run("01TESTSLOW", "sleep 600", "null", Duration.ofSeconds(2));
        assertThat(o).isInstanceOfSatisfying(Outcome.Killed.class, k -> assertThat(k.reason()).isEqualTo("timeout"));
        assertNoVmLeft();
    }

    @Test
    void pythonCodeRunsInItsRuntimeImageWithTheSameContractAsContainers() throws Exception {
        Outcome o = run(new ExecutionRequest("01TESTPY", Runtime.PYTHON,
                "import sys\ndef handler(input):\n    print('log line')\n    return {'n': input['n'] + 1, 'v': sys.version_info[0]}\n",
                "{\"n\":41}", new Limits(1, 256, Duration.ofSeconds(120))));
        assertThat(o).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"n\":42,\"v\":3}"));
        assertThat(lines).contains("STDOUT log line");
        assertNoVmLeft();
    }

    @Test
    void anImageCommandRunsChrootedIntoTheImagesRootfs() throws Exception {
        ImageReference busybox = new BaseImages(images, BaseImages.DEFAULT_DIR).ensure(CodeImage.SHELL);
        // /vulcan/entry.sh is in the image, not in the initramfs; writes go to the VM's overlay only
        Outcome o = run(new ExecutionRequest("01TESTIMG", Runtime.OCI, null, "null", new Limits(1, 128, Duration.ofSeconds(120)),
                new ExecutionRequest.ImageCommand(busybox.toString(),
                        List.of("test -f /vulcan/entry.sh && echo in-image; echo x > /written; cat /written; pwd"), true)));
        assertThat(o).isInstanceOfSatisfying(Outcome.Exited.class, x -> {
            assertThat(x.exitCode()).isZero();
            assertThat(x.outputJson()).isEqualTo("\"in-image\\nx\\n/\\n\"");
        });
        assertNoVmLeft();
        try (var files = Files.list(state.resolve("microvm/rootfs"))) {
            assertThat(files.map(p -> p.getFileName().toString())).singleElement().asString().endsWith(".ext4");
        }
    }

    @Test
    void codeWorkloadsContinueFromASavedVmWithFreshStateAndTheClockSet() throws Exception {
        String code = "import os, time\n"
                + "def handler(input):\n"
                + "    seen = [p for p in ('/mark', '/tmp/mark', '/vulcan/io/mark') if os.path.exists(p)]\n"
                + "    for p in ('/mark', '/tmp/mark', '/vulcan/io/mark'):\n"
                + "        open(p, 'w').write('x')\n"
                + "    return {'seen': seen, 'clock_skew_ok': abs(time.time() - input) < 120}\n";
        for (String id : List.of("01TESTWARM1", "01TESTWARM2")) {
            double now = System.currentTimeMillis() / 1000.0;
            Outcome o = run(new ExecutionRequest(id, Runtime.PYTHON, code, Double.toString(now),
                    new Limits(1, 192, Duration.ofSeconds(120))));
            // the second VM is restored from the snapshot the first one saved: nothing of the first is there
            assertThat(o).isInstanceOfSatisfying(Outcome.Completed.class,
                    c -> assertThat(c.outputJson()).isEqualTo("{\"seen\":[],\"clock_skew_ok\":true}"));
        }
        try (var snaps = Files.list(state.resolve("microvm/snapshots"))) {
            assertThat(snaps.filter(p -> !p.getFileName().toString().startsWith(".")))
                    .anySatisfy(p -> assertThat(p.resolve("memory")).isNotEmptyFile());
        }
        assertNoVmLeft();
    }

    @Test
    void memoryAboveWhatTheMachineHasIsRefused() {
        assertThatThrownBy(() -> backend.admit(Runtime.SHELL, new Limits(1, 64 * 1024 * 1024, Duration.ofSeconds(5)), null))
                .isInstanceOf(InvalidException.class).hasMessageContaining("more than this machine has");
    }
}
