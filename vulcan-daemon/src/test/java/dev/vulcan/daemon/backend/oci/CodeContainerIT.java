package dev.vulcan.daemon.backend.oci;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Python, Node.js and shell code in real containers (crun or runc) from the base images
 * scripts/base-images builds (run here when its cache lacks them), imported into a fresh store on first use.
 */
class CodeContainerIT {

    private static final Path BASE_IMAGES = Path.of(System.getenv().getOrDefault("VULCAN_BASE_IMAGES",
            BaseImages.DEFAULT_DIR.toString()));
    private static final Limits LIMITS = new Limits(1, 256, Duration.ofSeconds(30));

    @TempDir
    static Path shared;

    static ContainerBackend backend;

    private final List<String> ids = new ArrayList<>();
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
    private final LogSink sink = (stream, line) -> (stream == LogSink.Stream.STDOUT ? stdout : stderr).add(line);

    @BeforeAll
    static void setUp() throws Exception {
        if (!List.of("busybox", "python", "node").stream().allMatch(i -> Files.isRegularFile(BASE_IMAGES.resolve(i + ".oci.tar")))) {
            Path script = Path.of("").toAbsolutePath().getParent().resolve("scripts/base-images");
            Process build = new ProcessBuilder(script.toString(), "--out", BASE_IMAGES.toString()).inheritIO().start();
            if (!build.waitFor(10, TimeUnit.MINUTES) || build.exitValue() != 0) {
                skipOrFail(script + " could not build the base images into " + BASE_IMAGES);
            }
        }
        JsonMapper json = JsonMapper.builder().build();
        ImageStore store = ImageStore.open(shared.resolve("images"), json, dev.vulcan.daemon.image.RegistryTrust.defaults(shared.resolve("certs.d")));
        backend = new ContainerBackend(store, new BaseImages(store, BASE_IMAGES), shared.resolve("oci"),
                OciRuntime.Preference.parse(System.getProperty("vulcan.oci.runtime", "auto")));
        if (backend.probe() instanceof BackendStatus.Unavailable(String reason)) {
            skipOrFail(reason);
        }
    }

    @AfterAll
    static void tearDown() {
        if (backend != null) backend.close();
    }

    private Outcome run(Runtime runtime, String code, String inputJson) throws Exception {
        return run(runtime, code, inputJson, LIMITS);
    }

    private Outcome run(Runtime runtime, String code, String inputJson, Limits limits) throws Exception {
        String id = "code-it-" + System.nanoTime();
        ids.add(id);
        backend.prepare(runtime);
        return backend.start(new ExecutionRequest(id, runtime, code, inputJson, limits), sink).outcome()
                .get(2, TimeUnit.MINUTES);
    }

    /** The io dir goes before the outcome completes; the bundle's cleanup follows the answer. */
    @AfterEach
    void nothingLeaks() throws IOException {
        for (String id : ids) {
            assertThat(shared.resolve("oci/io").resolve(id)).doesNotExist();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(shared.resolve("oci/bundles").resolve(id)).doesNotExist();
                assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(id);
                assertThat(Path.of("/sys/fs/cgroup/memory/vulcan/oci").resolve(id)).doesNotExist();
            });
        }
    }

    private static Outcome.Failed failed(Outcome outcome) {
        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        return (Outcome.Failed) outcome;
    }

    // --- python ------------------------------------------------------------------------------

    @Test
    void pythonHandlerGetsTheInputAndItsReturnValueIsTheOutput() throws Exception {
        Outcome outcome = run(Runtime.PYTHON, """
                import sys
                def handler(input):
                    print("adding", input["a"], "and", input["b"])
                    print("to stderr", file=sys.stderr)
                    return {"sum": input["a"] + input["b"], "text": "é"}
                """, "{\"a\":1,\"b\":2}");
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"sum\":3,\"text\":\"é\"}"));
        assertThat(stdout).containsExactly("adding 1 and 2");
        assertThat(stderr).containsExactly("to stderr");
    }

    @Test
    void pythonAsyncHandlerIsAwaitedAndNoInputIsNone() throws Exception {
        Outcome outcome = run(Runtime.PYTHON, """
                import asyncio
                async def handler(input):
                    await asyncio.sleep(0.01)
                    return {"input_was_none": input is None}
                """, null);
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"input_was_none\":true}"));
    }

    @Test
    void pythonExceptionHasMessageAndStack() throws Exception {
        Outcome.Failed f = failed(run(Runtime.PYTHON, """
                def check(value):
                    raise ValueError("bad value " + str(value))
                def handler(input):
                    check(input)
                """, "7"));
        assertThat(f.reason()).isEqualTo("exception");
        assertThat(f.message()).isEqualTo("ValueError: bad value 7");
        assertThat(f.stack()).contains("main.py\", line 4, in handler", "main.py\", line 2, in check")
                .doesNotContain("entry.py");
    }

    @Test
    void pythonSyntaxErrorNamesTheLine() throws Exception {
        Outcome.Failed f = failed(run(Runtime.PYTHON, "x = 1\ndef handler(input:\n    return 1\n", null));
        assertThat(f.reason()).isEqualTo("syntax_error");
        assertThat(f.message()).startsWith("SyntaxError: ").endsWith("(main.py, line 2)");
    }

    @Test
    void pythonWithoutHandlerIsNoHandler() throws Exception {
        Outcome.Failed f = failed(run(Runtime.PYTHON, "def main(input):\n    return 1\n", null));
        assertThat(f.reason()).isEqualTo("no_handler");
    }

    @Test
    void pythonUnserialisableResultIsInvalidOutput() throws Exception {
        Outcome.Failed f = failed(run(Runtime.PYTHON, "def handler(input):\n    return {1, 2}\n", null));
        assertThat(f.reason()).isEqualTo("invalid_output");
        assertThat(f.message()).contains("set");
    }

    @Test
    void pythonPastItsTimeoutIsKilled() throws Exception {
        Outcome outcome = run(Runtime.PYTHON, "import time\ndef handler(input):\n    time.sleep(60)\n", null,
                new Limits(1, 256, Duration.ofSeconds(1)));
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Killed.class, k -> assertThat(k.reason()).isEqualTo("timeout"));
    }

    @Test
    void pythonPastItsMemoryLimitFailsWithMemoryLimit() throws Exception {
        Outcome.Failed f = failed(run(Runtime.PYTHON, "def handler(input):\n    return len(bytearray(200 * 1024 * 1024))\n",
                null, new Limits(1, 64, Duration.ofSeconds(30))));
        assertThat(f.reason()).isEqualTo("memory_limit");
    }

    @Test
    void ioDirsACrashedDaemonLeftAreDeletedWhenTheNextOneProbes() throws Exception {
        Path state = shared.resolve("crashed-oci");
        Path leftover = Files.createDirectories(state.resolve("io/code-it-left"));
        Files.writeString(leftover.resolve("main.py"), "def handler(i): return i");
        try (ContainerBackend next = new ContainerBackend(ImageStore.open(shared.resolve("images"),
                JsonMapper.builder().build(), dev.vulcan.daemon.image.RegistryTrust.defaults(shared.resolve("certs.d"))), new BaseImages(null, BASE_IMAGES), state,
                OciRuntime.Preference.parse(System.getProperty("vulcan.oci.runtime", "auto")))) {
            assertThat(next.probe()).isInstanceOf(BackendStatus.Available.class);
            assertThat(leftover).doesNotExist();
        }
    }

    // --- node --------------------------------------------------------------------------------

    @Test
    void nodeDefaultExportGetsTheInputAndItsResolvedValueIsTheOutput() throws Exception {
        Outcome outcome = run(Runtime.JAVASCRIPT, """
                export default async function (input) {
                  console.log("adding", input.a, input.b);
                  console.error("to stderr");
                  return { sum: input.a + input.b, version: process.versions.node.split(".")[0] };
                }
                """, "{\"a\":1,\"b\":2}");
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"sum\":3,\"version\":\"18\"}"));
        assertThat(stdout).containsExactly("adding 1 2");
        assertThat(stderr).containsExactly("to stderr");
    }

    @Test
    void nodeCommonJsModuleExportsWorkToo() throws Exception {
        Outcome outcome = run(Runtime.JAVASCRIPT, "module.exports = (input) => ({ got: input });\n", "[1,2]");
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"got\":[1,2]}"));
    }

    @Test
    void nodeThrownErrorHasMessageAndStack() throws Exception {
        Outcome.Failed f = failed(run(Runtime.JAVASCRIPT, """
                function check(value) { throw new TypeError("bad value " + value); }
                export default function (input) { check(input); }
                """, "7"));
        assertThat(f.reason()).isEqualTo("exception");
        assertThat(f.message()).isEqualTo("TypeError: bad value 7");
        assertThat(f.stack()).contains("at check (main.mjs:1:", "main.mjs:2:").doesNotContain("entry.mjs");
    }

    @Test
    void nodeSyntaxErrorIsSyntaxErrorButAThrownSyntaxErrorIsAnException() throws Exception {
        assertThat(failed(run(Runtime.JAVASCRIPT, "export default function (input {\n", null)).reason())
                .isEqualTo("syntax_error");
        assertThat(failed(run(Runtime.JAVASCRIPT, "export default () => JSON.parse('{');\n", null)).reason())
                .isEqualTo("exception");
    }

    @Test
    void nodeWithoutDefaultExportIsNoDefaultExport() throws Exception {
        assertThat(failed(run(Runtime.JAVASCRIPT, "export const handler = () => 1;\n", null)).reason())
                .isEqualTo("no_default_export");
    }

    @Test
    void nodeBigIntResultIsInvalidOutput() throws Exception {
        Outcome.Failed f = failed(run(Runtime.JAVASCRIPT, "export default () => ({ n: 10n });\n", null));
        assertThat(f.reason()).isEqualTo("invalid_output");
        assertThat(f.message()).contains("BigInt");
    }

    // --- shell -------------------------------------------------------------------------------

    @Test
    void shellGetsTheInputOnStdinAndInTheEnvironmentAndItsStdoutIsTheOutput() throws Exception {
        Outcome outcome = run(Runtime.SHELL, """
                echo "env: $VULCAN_INPUT"
                echo "stdin: $(cat)"
                echo "a warning" >&2
                """, "{\"a\":1}");
        assertThat(outcome).isEqualTo(new Outcome.Exited(0, "\"env: {\\\"a\\\":1}\\nstdin: {\\\"a\\\":1}\\n\"",
                outcome.elapsed()));
        assertThat(stdout).containsExactly("env: {\"a\":1}", "stdin: {\"a\":1}");
        assertThat(stderr).containsExactly("a warning");
    }

    @Test
    void shellExitCodeIsKept() throws Exception {
        Outcome outcome = run(Runtime.SHELL, "echo partial\nexit 3\n", null);
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Exited.class, e -> assertThat(e.exitCode()).isEqualTo(3));
    }

    @Test
    void shellSyntaxErrorRunsNothing() throws Exception {
        Outcome.Failed f = failed(run(Runtime.SHELL, "echo ran\nif then fi\n", null));
        assertThat(f.reason()).isEqualTo("syntax_error");
        assertThat(f.message()).startsWith("main.sh: line 2: syntax error");
        assertThat(stdout).isEmpty();
    }
}
