package dev.vulcan.daemon.backend.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.backend.isolate.IsolateFixture.CollectingSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IsolateBackendIT {

    private static final int DEFAULT_MEM_MB = 128;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path runDir;

    private IsolateConfig config;
    private IsolateBackend backend;

    @BeforeEach
    void startBackend() {
        config = IsolateConfig.of(IsolateFixture.denoOrSkip(), IsolateFixture.hostDir(), runDir);
        backend = new IsolateBackend(config);
    }

    @AfterEach
    void closeLeavesNoDenoProcessesFilesOrCgroups() {
        backend.close();
        assertThat(IsolateFixture.denoDescendants()).isEmpty();
        assertThat(runDir.toFile().list((dir, name) -> name.startsWith("isolate-") || name.startsWith("deno-")))
                .isEmpty();
        if (backend.launcher().memory() instanceof CgroupMemory.Usable usable) {
            assertThat(usable.groups(backend.launcher().groupPrefix())).isEmpty();
        }
    }

    @Test
    void probeReportsDenoAndV8() {
        BackendStatus status = backend.probe();

        assertThat(status).isInstanceOf(BackendStatus.Available.class);
        BackendStatus.Available available = (BackendStatus.Available) status;
        assertThat(available.version()).matches("deno 2\\.\\d+\\.\\d+ / v8 .+");
        assertThat(available.details()).containsEntry("hosts_per_memory_class", "4")
                .containsKey("memory").containsEntry("deno", config.denoBinary().toString())
                .containsEntry("memory_enforcement", backend.launcher().memory().enforcement())
                .hasEntrySatisfying("host_lifetime", v -> assertThat(v).contains("setpriv --pdeathsig KILL"));
        assertThat(available.details().get("memory_enforcement")).startsWith("V8 heap cap");
        assertThat(backend.runtimes()).containsExactlyInAnyOrder(Runtime.JAVASCRIPT, Runtime.TYPESCRIPT);
        assertThat(backend.traits().networking()).isEqualTo("none");
    }

    @Test
    void sumReturnsItsOutput() {
        Outcome outcome = run(Runtime.JAVASCRIPT, "export default ({a, b}) => ({sum: a + b})", "{\"a\":1,\"b\":2}");

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"sum\":3}"));
    }

    @Test
    void typescriptWithTypeAnnotationsRuns() {
        String code = """
                interface Pair { a: number; b: number }
                export default function (input: Pair): { sum: number } {
                  const sum: number = input.a + input.b;
                  return { sum };
                }
                """;

        Outcome outcome = run(Runtime.TYPESCRIPT, code, "{\"a\":1,\"b\":2}");

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"sum\":3}"));
    }

    @Test
    void asyncDefaultExportIsAwaited() {
        String code = "export default async (n) => { await new Promise(r => setTimeout(r, 50)); return n * 2 }";

        assertThat(run(Runtime.JAVASCRIPT, code, "21")).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("42"));
    }

    @Test
    void undefinedResultIsNull() {
        assertThat(run(Runtime.JAVASCRIPT, "export default () => {}", "null"))
                .isInstanceOfSatisfying(Outcome.Completed.class, c -> assertThat(c.outputJson()).isEqualTo("null"));
    }

    @Test
    void consoleLinesReachTheLogSink() {
        CollectingSink sink = new CollectingSink();
        String code = """
                export default () => {
                  console.log("hello", { a: 1 }, 5);
                  console.info("%s is %d", "answer", 42);
                  console.error("oops\\nsecond line");
                  console.warn("careful");
                  return true;
                }
                """;

        Outcome outcome = run(Runtime.JAVASCRIPT, code, "null", sink, DEFAULT_MEM_MB, TIMEOUT);

        assertThat(outcome).isInstanceOf(Outcome.Completed.class);
        assertThat(sink.stdout()).containsExactly("hello { a: 1 } 5", "answer is 42");
        assertThat(sink.stderr()).containsExactly("oops", "second line", "careful");
    }

    @Test
    void chattyWorkloadIsTruncated() {
        CollectingSink sink = new CollectingSink();

        Outcome outcome = run(Runtime.JAVASCRIPT, "export default () => { for (let i = 0; i < 20000; i++) console.log(i) }",
                "null", sink, DEFAULT_MEM_MB, TIMEOUT);

        assertThat(outcome).isInstanceOf(Outcome.Completed.class);
        assertThat(sink.stdout()).hasSize(10_000);
        assertThat(sink.stderr()).containsExactly("[log truncated]");
    }

    @Test
    void thrownErrorFailsWithItsStack() {
        String code = "export default () => {\n  throw new TypeError('boom');\n}";

        assertThat(run(Runtime.JAVASCRIPT, code, "null")).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("exception");
            assertThat(f.message()).isEqualTo("TypeError: boom");
            assertThat(f.stack()).contains("at default (workload.js:2:9)").doesNotContain("worker.ts");
        });
    }

    @Test
    void syntaxErrorIsReportedAsSuch() {
        assertThat(run(Runtime.TYPESCRIPT, "export default function ( { return 1 }", "null"))
                .isInstanceOfSatisfying(Outcome.Failed.class, f -> {
                    assertThat(f.reason()).isEqualTo("syntax_error");
                    assertThat(f.message()).startsWith("SyntaxError").contains("workload.ts:1");
                });
    }

    @Test
    void bigintOutputIsInvalid() {
        assertThat(run(Runtime.JAVASCRIPT, "export default () => ({ n: 10n })", "null"))
                .isInstanceOfSatisfying(Outcome.Failed.class, f -> {
                    assertThat(f.reason()).isEqualTo("invalid_output");
                    assertThat(f.message()).contains("BigInt");
                });
    }

    @Test
    void moduleWithoutDefaultExportFails() {
        assertThat(run(Runtime.JAVASCRIPT, "export const answer = 42", "null"))
                .isInstanceOfSatisfying(Outcome.Failed.class, f -> assertThat(f.reason()).isEqualTo("no_default_export"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "file read  | export default () => Deno.readTextFileSync('/etc/hostname')              | Requires read access",
        "file write | export default () => Deno.writeTextFileSync('/tmp/x', 'x')              | Requires write access",
        "env        | export default () => Deno.env.get('HOME')                                | Requires env access",
        "fetch      | export default async () => (await fetch('http://127.0.0.1:8080/')).status   | Requires net access",
        "subprocess | export default async () => new Deno.Command('/bin/true').output()        | Requires run access",
        "file import| export default async () => import('file:///etc/hostname')                | Requires read access",
    })
    void sandboxDeniesHostAccess(String what, String code, String denial) {
        assertThat(run(Runtime.JAVASCRIPT, code, "null")).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("exception");
            assertThat(f.message()).contains(denial);
            if (!what.contains("import")) {
                assertThat(f.message()).startsWith("NotCapable");
            }
        });
    }

    @Test
    void infiniteLoopTimesOutAndTheNextWorkloadRuns() {
        Execution looping = start(Runtime.JAVASCRIPT, "export default () => { while (true) {} }", "null",
                new CollectingSink(), DEFAULT_MEM_MB, Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> ((IsolateExecution) looping).host() != null);
        long pid = ((IsolateExecution) looping).host().pid();

        assertThat(looping.outcome().join()).isInstanceOfSatisfying(Outcome.Killed.class, k -> {
            assertThat(k.reason()).isEqualTo("timeout");
            assertThat(k.message()).isEqualTo("timed out after 1s");
            assertThat(k.elapsed()).isLessThan(Duration.ofSeconds(3));
        });
        // worker.terminate() leaves a looping thread running, so the whole host goes.
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(pid).isEmpty());
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 'next'", "null"))
                .isInstanceOfSatisfying(Outcome.Completed.class, c -> assertThat(c.outputJson()).isEqualTo("\"next\""));
    }

    @Test
    void loopLeftRunningAfterTheResultRetiresItsHost() {
        // The loop starts a few microtasks after the bootstrap has posted the result, so before
        // the host can terminate the worker: terminate() then cannot stop it.
        Execution sneaky = start(Runtime.JAVASCRIPT, """
                export default () => {
                  let later = Promise.resolve();
                  for (let i = 0; i < 20; i++) later = later.then(() => {});
                  later.then(() => { while (true) {} });
                  return "done";
                }
                """, "null", new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT);

        assertThat(sneaky.outcome().join()).isInstanceOf(Outcome.Completed.class);
        long pid = ((IsolateExecution) sneaky).host().pid();
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(pid).isEmpty());
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 'next'", "null")).isInstanceOf(Outcome.Completed.class);
        assertThat(backend.hosts()).allSatisfy(h -> assertThat(WorkerThreads.of(h.pid())).hasSizeLessThanOrEqualTo(2));
    }

    @Test
    void workerStartedByAWorkloadDoesNotOutliveIt() {
        Execution spawner = start(Runtime.JAVASCRIPT, """
                import { Worker } from "node:worker_threads";
                export default async () => {
                  const looping = new Worker(
                      "require('node:worker_threads').parentPort.postMessage('up'); while (true) {}", { eval: true });
                  await new Promise((resolve) => looping.once("message", resolve));
                  return "spawned";
                }
                """, "null", new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT);

        assertThat(spawner.outcome().join()).isInstanceOf(Outcome.Completed.class);
        long pid = ((IsolateExecution) spawner).host().pid();
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(pid).isEmpty());
    }

    @Test
    void ordinaryWorkloadsKeepTheirHost() throws Exception {
        useConfig(config.withHostsPerMemoryClass(1));
        long pid = -1;
        for (int i = 0; i < 20; i++) {
            Execution execution = start(Runtime.JAVASCRIPT, "export default (n) => n", Integer.toString(i),
                    new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT);
            assertThat(execution.outcome().get(10, TimeUnit.SECONDS)).isInstanceOf(Outcome.Completed.class);
            long used = ((IsolateExecution) execution).host().pid();
            assertThat(pid == -1 || used == pid).as("workload %d ran on the same host", i).isTrue();
            pid = used;
        }
        long host = pid;
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2))
                .until(() -> ProcessHandle.of(host).isPresent());
    }

    @Test
    void killEndsARunningWorkload() throws Exception {
        CollectingSink sink = new CollectingSink();
        Execution execution = start(Runtime.JAVASCRIPT, "export default () => { console.log('looping'); while (true) {} }",
                "null", sink, DEFAULT_MEM_MB, Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.stdout().contains("looping"));

        execution.kill("killed", "stopped by the test");

        Outcome outcome = execution.outcome().get(3, TimeUnit.SECONDS);
        assertThat(outcome).isEqualTo(new Outcome.Killed("killed", "stopped by the test", outcome.elapsed()));
        long pid = ((IsolateExecution) execution).host().pid();
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(pid).isEmpty());
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 1", "null")).isInstanceOf(Outcome.Completed.class);
    }

    @Test
    void runawayAllocationFailsOnlyItsOwnHost() throws Exception {
        assertOnlyTheHogFails(
                "export default () => { const keep = []; while (true) keep.push(new Array(100000).fill(1)); }");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "one large ArrayBuffer | export default () => new Uint8Array(512 * 1024 * 1024).fill(1).length",
        "ArrayBuffers in a loop| export default () => { const keep = []; while (true) keep.push(new Uint8Array(32 * 1024 * 1024).fill(1)); }",
        "Wasm memory           | export default () => { const m = new WebAssembly.Memory({ initial: 8192 }); new Uint8Array(m.buffer).fill(1); return m.buffer.byteLength }",
    })
    void memoryOutsideTheHeapCountsAgainstTheLimit(String what, String code) throws Exception {
        IsolateFixture.memoryCgroupsOrSkip(backend.launcher().memory());
        assertOnlyTheHogFails(code);
    }

    /** The hog (64 MB class) fails with memory_limit while a normal workload on another host completes. */
    private void assertOnlyTheHogFails(String hogCode) throws Exception {
        Execution normal = start(Runtime.JAVASCRIPT,
                "export default async () => { await new Promise(r => setTimeout(r, 1500)); return 'fine' }",
                "null", new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT);
        Execution hungry = start(Runtime.JAVASCRIPT, hogCode, "null", new CollectingSink(), 64, TIMEOUT);

        assertThat(hungry.outcome().get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("memory_limit");
            assertThat(f.message()).isEqualTo("memory limit exceeded: the isolate needed more than 64 MB");
        });
        assertThat(normal.outcome().get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("\"fine\""));
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 'after'", "null", new CollectingSink(), 64, TIMEOUT))
                .isInstanceOf(Outcome.Completed.class);
    }

    @ParameterizedTest(name = "{0} MB")
    @CsvSource({"128", "16"})
    void ordinaryWorkloadsFitUnderTheCgroupLimit(int memMb) throws Exception {
        CgroupMemory.Usable cgroups = IsolateFixture.memoryCgroupsOrSkip(backend.launcher().memory());
        List<Execution> executions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Runtime runtime = i % 2 == 0 ? Runtime.JAVASCRIPT : Runtime.TYPESCRIPT;
            String code = i % 2 == 0
                    ? "export default (n) => { for (let i = 0; i < 200; i++) console.log('line', i, { n }); return n }"
                    : "interface In { n: number }\nexport default (i: In): number[] => Array.from({ length: 1000 }, (_, k) => k * i.n)";
            String input = i % 2 == 0 ? Integer.toString(i) : "{\"n\":" + i + "}";
            executions.add(start(runtime, code, input, new CollectingSink(), memMb, TIMEOUT));
        }

        for (Execution execution : executions) {
            assertThat(execution.outcome().get(30, TimeUnit.SECONDS)).isInstanceOf(Outcome.Completed.class);
        }
        IsolateHost host = backend.hosts().stream().filter(h -> h.memMb() == memMb).findFirst().orElseThrow();
        String group = IsolateFixture.memoryCgroupOf(host.pid());
        assertThat(group).startsWith("/" + CgroupMemory.PARENT + "/" + backend.launcher().groupPrefix());
        String limitFile = cgroups instanceof CgroupMemory.V1 ? "memory.limit_in_bytes" : "memory.max";
        assertThat(Files.readString(cgroups.parent().resolve(group.substring(group.lastIndexOf('/') + 1))
                .resolve(limitFile)).strip()).isEqualTo(Long.toString((64L + memMb) << 20));
    }

    @Test
    void withoutMemoryCgroupsOnlyTheHeapIsCapped() throws Exception {
        backend.close();
        backend = new IsolateBackend(config, new CgroupMemory.Unavailable("not here"));

        assertThat(backend.probe()).isInstanceOfSatisfying(BackendStatus.Available.class,
                a -> assertThat(a.details()).containsEntry("memory_enforcement",
                        "V8 heap cap only (no writable memory cgroup: not here)"));
        Execution execution = start(Runtime.JAVASCRIPT, "export default () => 1", "null", new CollectingSink(),
                DEFAULT_MEM_MB, TIMEOUT);
        assertThat(execution.outcome().get(10, TimeUnit.SECONDS)).isInstanceOf(Outcome.Completed.class);
        assertThat(IsolateFixture.memoryCgroupOf(((IsolateExecution) execution).host().pid()))
                .doesNotContain(CgroupMemory.PARENT);
    }

    @Test
    void hostOutlivesTheThreadThatStartedIt() throws Exception {
        // The parent-death signal follows the forking thread; hosts are forked by the launcher's own.
        Path socketPath = HostLauncher.socket(runDir, 90);
        try (HostLauncher launcher = new HostLauncher(config, backend.launcher().memory());
                ServerSocketChannel socket = HostLauncher.bind(socketPath)) {
            HostLauncher.Launched[] launched = new HostLauncher.Launched[1];
            Thread starter = Thread.ofPlatform().start(() -> {
                try {
                    launched[0] = launcher.launch(90, DEFAULT_MEM_MB);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            starter.join();
            Process host = launched[0].process();

            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(host::isAlive);

            // Ending the launcher's thread is the daemon dying, as far as the kernel can tell.
            launcher.close();
            assertThat(host.waitFor(2, TimeUnit.SECONDS)).isTrue();
            assertThat(host.exitValue()).isEqualTo(137);
            launcher.cleanUp(90, launched[0]);
        } finally {
            Files.deleteIfExists(socketPath);
        }
    }

    @Test
    void hostsLeftByAKilledDaemonAreEndedAtStartUp() throws Exception {
        backend.close();
        CgroupMemory memory = backend.launcher().memory();
        HostLauncher previousLife = new HostLauncher(config, memory);
        try (ServerSocketChannel first = HostLauncher.bind(HostLauncher.socket(runDir, 1));
                ServerSocketChannel second = HostLauncher.bind(HostLauncher.socket(runDir, 2))) {
            Process recorded = previousLife.launch(1, DEFAULT_MEM_MB).process();
            Process unrecorded = previousLife.launch(2, DEFAULT_MEM_MB).process();
            Files.delete(HostLauncher.record(runDir, 2));
            Files.createDirectories(HostLauncher.denoDir(runDir, 1).resolve("gen"));
            Path staleRecord = HostLauncher.record(runDir, 3);
            Files.writeString(staleRecord, "999999999 1\n");
            assertThat(HostLauncher.record(runDir, 1)).exists();
            assertThat(recorded.isAlive() && unrecorded.isAlive()).isTrue();
            if (!(memory instanceof CgroupMemory.Usable)) {
                // Only a cgroup can point at a host whose record was lost.
                unrecorded.destroyForcibly().waitFor();
            }

            backend = new IsolateBackend(config, memory);

            await().atMost(Duration.ofSeconds(2)).until(() -> !recorded.isAlive() && !unrecorded.isAlive());
            assertThat(runDir.toFile().list((dir, name) -> name.startsWith("isolate-") || name.startsWith("deno-")))
                    .isEmpty();
            if (memory instanceof CgroupMemory.Usable usable) {
                assertThat(usable.groups(backend.launcher().groupPrefix())).isEmpty();
            }
            assertThat(run(Runtime.JAVASCRIPT, "export default () => 'fresh'", "null"))
                    .isInstanceOf(Outcome.Completed.class);
        } finally {
            previousLife.close();
        }
    }

    @Test
    void hostKilledMidRunFailsItsWorkloadPromptly() throws Exception {
        CollectingSink sink = new CollectingSink();
        Execution execution = start(Runtime.JAVASCRIPT, "export default () => { console.log('looping'); while (true) {} }",
                "null", sink, DEFAULT_MEM_MB, Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.stdout().contains("looping"));
        long pid = ((IsolateExecution) execution).host().pid();

        assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue();

        Outcome outcome = execution.outcome().get(3, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("host_crashed");
            assertThat(f.message()).contains("SIGKILL");
        });
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 'recovered'", "null"))
                .isInstanceOfSatisfying(Outcome.Completed.class,
                        c -> assertThat(c.outputJson()).isEqualTo("\"recovered\""));
    }

    @Test
    void eightConcurrentWorkloadsAllSucceed() throws Exception {
        List<Execution> executions = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            executions.add(start(Runtime.TYPESCRIPT,
                    "export default async (n: number) => { await new Promise(r => setTimeout(r, 100)); return n * n }",
                    Integer.toString(i), new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT));
        }

        for (int i = 0; i < 8; i++) {
            assertThat(executions.get(i).outcome().get(20, TimeUnit.SECONDS)).isInstanceOf(Outcome.Completed.class);
        }
        for (int i = 0; i < 8; i++) {
            Outcome.Completed completed = (Outcome.Completed) executions.get(i).outcome().get();
            assertThat(completed.outputJson()).isEqualTo(Integer.toString(i * i));
        }
        assertThat(backend.hosts()).hasSizeLessThanOrEqualTo(config.hostsPerMemoryClass());
    }

    @Test
    void closeEndsRunningWorkloads() throws Exception {
        CollectingSink sink = new CollectingSink();
        Execution execution = start(Runtime.JAVASCRIPT, "export default () => { console.log('looping'); while (true) {} }",
                "null", sink, DEFAULT_MEM_MB, Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.stdout().contains("looping"));

        backend.close();

        assertThat(execution.outcome().get(3, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Killed.class,
                k -> assertThat(k.reason()).isEqualTo("killed"));
        assertThat(IsolateFixture.denoDescendants()).isEmpty();
        assertThatThrownBy(() -> start(Runtime.JAVASCRIPT, "export default () => 1", "null", new CollectingSink(),
                DEFAULT_MEM_MB, TIMEOUT)).isInstanceOf(BackendUnavailableException.class);
    }

    @Test
    void workloadsQueueWhenEveryHostIsBusy() throws Exception {
        useConfig(config.withHostsPerMemoryClass(1));
        List<Execution> executions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            executions.add(start(Runtime.JAVASCRIPT, "export default (n) => n + 1", Integer.toString(i),
                    new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT));
        }

        for (int i = 0; i < 3; i++) {
            assertThat(executions.get(i).outcome().get(10, TimeUnit.SECONDS))
                    .isEqualTo(new Outcome.Completed(Integer.toString(i + 1),
                            executions.get(i).outcome().get().elapsed()));
        }
        assertThat(backend.hosts()).hasSize(1);
    }

    @Test
    void queuedWorkloadFailsBusyAfterItsTimeout() throws Exception {
        useConfig(config.withHostsPerMemoryClass(1));
        Execution slow = start(Runtime.JAVASCRIPT, "export default () => new Promise(r => setTimeout(r, 3000))",
                "null", new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT);

        Outcome queued = run(Runtime.JAVASCRIPT, "export default () => 1", "null", new CollectingSink(), DEFAULT_MEM_MB,
                Duration.ofSeconds(1));

        assertThat(queued).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("busy");
            assertThat(f.elapsed()).isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
        });
        assertThat(slow.outcome().get(10, TimeUnit.SECONDS)).isInstanceOf(Outcome.Completed.class);
    }

    @Test
    void killWhileQueuedEndsAtOnce() throws Exception {
        useConfig(config.withHostsPerMemoryClass(1));
        start(Runtime.JAVASCRIPT, "export default () => new Promise(r => setTimeout(r, 2000))", "null",
                new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT);
        Execution queued = start(Runtime.JAVASCRIPT, "export default () => 1", "null", new CollectingSink(),
                DEFAULT_MEM_MB, TIMEOUT);

        queued.kill("killed", "not wanted");

        assertThat(queued.outcome().get(1, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Killed.class,
                k -> assertThat(k.message()).isEqualTo("not wanted"));
    }

    @Test
    void workloadCodeNeverReachesTheDisk() throws Exception {
        String marker = "marker_" + java.util.UUID.randomUUID().toString().replace("-", "");
        String code = "export default () => '" + marker + "'.length";
        assertThat(run(Runtime.JAVASCRIPT, code, "null")).isInstanceOf(Outcome.Completed.class);
        assertThat(run(Runtime.TYPESCRIPT, code + " as number", "null")).isInstanceOf(Outcome.Completed.class);
        String base64 = java.util.Base64.getEncoder().encodeToString(code.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (var files = Files.walk(runDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(content).as(file.toString()).doesNotContain(marker).doesNotContain(base64.substring(0, 40));
            }
        }
    }

    @Test
    void workloadsLeaveNothingForTheNextOne() {
        useConfig(config.withHostsPerMemoryClass(1));
        String leave = """
                export default async () => {
                  globalThis.leftover = "secret";
                  const cache = await caches.open("c");
                  await cache.put("http://x/", new Response("secret"));
                  return URL.createObjectURL(new Blob(["secret"]));
                }
                """;
        Outcome.Completed left = (Outcome.Completed) run(Runtime.JAVASCRIPT, leave, "null");
        String blobUrl = left.outputJson().replace("\"", "");
        String look = """
                export default async (url) => {
                  const cache = await caches.open("c");
                  const cached = await cache.match("http://x/");
                  let blob = null;
                  try { blob = await (await fetch(url)).text(); } catch (e) { blob = "gone"; }
                  return { global: globalThis.leftover ?? null, cached: cached ? await cached.text() : null, blob };
                }
                """;

        assertThat(run(Runtime.JAVASCRIPT, look, left.outputJson())).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"global\":null,\"cached\":null,\"blob\":\"gone\"}"));
        assertThat(blobUrl).startsWith("blob:");
    }

    @Test
    void hostThatStopsAnsweringPingsIsReplaced() throws Exception {
        useConfig(new IsolateConfig(config.denoBinary(), config.hostDir(), config.runDir(), 1, DEFAULT_MEM_MB,
                config.idleTimeout(), Duration.ofMillis(200)));
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 1", "null")).isInstanceOf(Outcome.Completed.class);
        long frozen = backend.hosts().getFirst().pid();

        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(frozen)).start().waitFor()).isZero();

        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(frozen).isEmpty()
                && backend.hosts().stream().anyMatch(h -> h.state() == IsolateHost.State.IDLE));
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 2", "null")).isInstanceOf(Outcome.Completed.class);
    }

    @Test
    void idleHostsOfOtherMemoryClassesAreClosed() {
        useConfig(new IsolateConfig(config.denoBinary(), config.hostDir(), config.runDir(), 2, DEFAULT_MEM_MB,
                Duration.ofMillis(300), Duration.ofMillis(100)));
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 1", "null", new CollectingSink(), 96, TIMEOUT))
                .isInstanceOf(Outcome.Completed.class);
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 1", "null")).isInstanceOf(Outcome.Completed.class);

        await().atMost(Duration.ofSeconds(5)).until(() -> backend.hosts().stream().noneMatch(h -> h.memMb() == 96));
        assertThat(backend.hosts()).extracting(IsolateHost::memMb).containsExactly(DEFAULT_MEM_MB);
    }

    @Test
    void hostThatCannotStartFailsItsWaitingWorkloads() throws Exception {
        Path fakeDeno = runDir.resolve("fake-deno");
        Files.writeString(fakeDeno, """
                #!/bin/sh
                if [ "$1" = --version ]; then echo "deno 0.0.1 (fake)"; echo "v8 0.1"; exit 0; fi
                echo "cannot start here" >&2
                exit 3
                """);
        assertThat(fakeDeno.toFile().setExecutable(true)).isTrue();
        useConfig(IsolateConfig.of(fakeDeno, config.hostDir(), runDir));

        Outcome outcome = run(Runtime.JAVASCRIPT, "export default () => 1", "null");

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("host_crashed");
            assertThat(f.message()).contains("exited before it was ready").contains("cannot start here");
            assertThat(f.elapsed()).isLessThan(Duration.ofSeconds(5));
        });
    }

    @Test
    void missingDenoMakesTheBackendUnavailable() {
        useConfig(IsolateConfig.of(runDir.resolve("no-such-deno"), config.hostDir(), runDir));

        assertThat(backend.probe()).isInstanceOfSatisfying(BackendStatus.Unavailable.class,
                u -> assertThat(u.reason()).contains("no-such-deno"));
        assertThatThrownBy(() -> start(Runtime.JAVASCRIPT, "export default () => 1", "null", new CollectingSink(),
                DEFAULT_MEM_MB, TIMEOUT)).isInstanceOf(BackendUnavailableException.class);
    }

    @Test
    void aBackendUnavailableAtFirstBecomesAvailableOnceDenoIsThere() throws Exception {
        Path later = runDir.resolve("installed-later");
        useConfig(IsolateConfig.of(later, config.hostDir(), runDir));
        assertThat(backend.probe().isAvailable()).isFalse();

        Files.createSymbolicLink(later, IsolateFixture.denoOrSkip());

        await().atMost(IsolateBackend.UNAVAILABLE_RECHECK.plusSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> backend.probe().isAvailable());
        assertThat(run(Runtime.JAVASCRIPT, "export default () => 'now'", "null"))
                .isInstanceOfSatisfying(Outcome.Completed.class, c -> assertThat(c.outputJson()).isEqualTo("\"now\""));
    }

    @Test
    void nonCodeRuntimesAreRefused() {
        assertThatThrownBy(() -> start(Runtime.PYTHON, "print(1)", "null", new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private void useConfig(IsolateConfig replacement) {
        backend.close();
        config = replacement;
        backend = new IsolateBackend(config);
    }

    private Outcome run(Runtime runtime, String code, String inputJson) {
        return run(runtime, code, inputJson, new CollectingSink(), DEFAULT_MEM_MB, TIMEOUT);
    }

    private Outcome run(Runtime runtime, String code, String inputJson, CollectingSink sink, int memMb, Duration timeout) {
        try {
            return start(runtime, code, inputJson, sink, memMb, timeout).outcome().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no outcome", e);
        }
    }

    private Execution start(Runtime runtime, String code, String inputJson, CollectingSink sink, int memMb,
            Duration timeout) {
        return backend.start(new ExecutionRequest("w-test", runtime, code, inputJson, new Limits(1, memMb, timeout)), sink);
    }
}
