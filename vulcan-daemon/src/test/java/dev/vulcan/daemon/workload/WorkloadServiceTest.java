package dev.vulcan.daemon.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vulcan.api.Isolation;
import dev.vulcan.api.Stats;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.daemon.backend.BackendRegistry;
import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.logs.LogStore;
import dev.vulcan.daemon.logs.LogSubscription;
import dev.vulcan.daemon.metrics.Metrics;
import dev.vulcan.daemon.store.Database;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadServiceTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final WorkloadRepository.Query ALL = new WorkloadRepository.Query(null, null, null, 100);

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(T0);
    private final FakeBackend isolate = new FakeBackend(Isolation.ISOLATE, Set.of(Runtime.JAVASCRIPT, Runtime.TYPESCRIPT));
    private final FakeBackend container = new FakeBackend(Isolation.CONTAINER,
            Set.of(Runtime.PYTHON, Runtime.GO, Runtime.SHELL, Runtime.OCI));
    private final Metrics metrics = new Metrics();
    private Database database;
    private WorkloadRepository repository;
    private LogStore logs;
    private WorkloadService service;

    @BeforeEach
    void start() {
        database = Database.open(dir.resolve("vulcan.db"));
        repository = new WorkloadRepository(database);
        logs = new LogStore(dir.resolve("logs"), clock);
        service = newService();
    }

    @AfterEach
    void stop() {
        service.close();
        database.close();
    }

    private WorkloadService newService() {
        BackendRegistry backends = new BackendRegistry(List.of(isolate, container),
                Map.of(Isolation.MICROVM, "the microvm backend is not built yet"));
        return new WorkloadService(repository, backends, logs, metrics,
                new LimitPolicy(1, 128, 30, 4, 2048, 600, 1 << 20, 1 << 20), clock, "node-a");
    }

    // --- submit ---------------------------------------------------------------------------

    @Test
    void aWorkloadIsRecordedAsRunningBeforeTheBackendStartsIt() {
        AtomicReference<WorkloadRecord> seenAtStart = new AtomicReference<>();
        isolate.onStart(request -> seenAtStart.set(repository.find(request.workloadId()).orElse(null)));

        WorkloadService.Submitted submitted = service.submit(js("return 1"));

        assertThat(seenAtStart.get()).isNotNull();
        assertThat(seenAtStart.get().status()).isEqualTo(WorkloadStatus.RUNNING);
        assertThat(seenAtStart.get().startedAt()).isEqualTo(T0);
        assertThat(seenAtStart.get().finishedAt()).isNull();
        assertThat(submitted.record()).isEqualTo(seenAtStart.get());
        assertThat(submitted.done()).isNotDone();
        assertThat(service.runningNow()).containsExactly(submitted.record());
    }

    @Test
    void theStartedRecordCarriesTheSpecTheResolvedIsolationAndTheAppliedLimits() throws Exception {
        WorkloadSpec spec = new WorkloadSpec(Runtime.TYPESCRIPT, Isolation.AUTO, "export default () => 1",
                "{\"n\":1}", 2, null, 10);

        WorkloadRecord record = service.submit(spec).record();

        assertThat(record.isolation()).isEqualTo(Isolation.AUTO);
        assertThat(record.isolationUsed()).isEqualTo(Isolation.ISOLATE);
        assertThat(record.runtime()).isEqualTo(Runtime.TYPESCRIPT);
        assertThat(record.nodeId()).isEqualTo("node-a");
        assertThat(record.code()).isEqualTo("export default () => 1");
        assertThat(record.inputJson()).isEqualTo("{\"n\":1}");
        assertThat(record.inputHash()).isEqualTo("sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest("{\"n\":1}".getBytes(StandardCharsets.UTF_8))));
        assertThat(record.limits()).isEqualTo(new Limits(2, 128, Duration.ofSeconds(10)));
        assertThat(record.createdAt()).isEqualTo(T0);
        ExecutionRequest request = isolate.only().request;
        assertThat(request).isEqualTo(new ExecutionRequest(record.id(), Runtime.TYPESCRIPT,
                "export default () => 1", "{\"n\":1}", new Limits(2, 128, Duration.ofSeconds(10))));
    }

    @Test
    void autoSendsPythonToTheContainerBackend() {
        WorkloadRecord record = service.submit(spec(Runtime.PYTHON, Isolation.AUTO, "print(1)")).record();

        assertThat(record.isolationUsed()).isEqualTo(Isolation.CONTAINER);
        assertThat(container.started).hasSize(1);
        assertThat(isolate.started).isEmpty();
    }

    @Test
    void anImageWorkloadGoesToTheContainerWithItsCommandAndItsExitCodeDecidesTheStatus() {
        var image = new ExecutionRequest.ImageCommand("docker.io/library/busybox:latest", List.of("echo hi"), true);
        WorkloadSpec spec = new WorkloadSpec(Runtime.OCI, Isolation.AUTO, null, null, null, null, null, image);

        WorkloadService.Submitted ok = service.submit(spec);
        assertThat(ok.record().isolationUsed()).isEqualTo(Isolation.CONTAINER);
        assertThat(ok.record().command()).containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(container.started.getLast().request.image()).isEqualTo(image);
        container.started.getLast().end(new Outcome.Exited(0, "\"hi\\n\"", Duration.ofMillis(5)));
        WorkloadRecord completed = ok.done().join();
        assertThat(completed.status()).isEqualTo(WorkloadStatus.COMPLETED);
        assertThat(completed.outputJson()).isEqualTo("\"hi\\n\"");
        assertThat(completed.exitCode()).isZero();

        WorkloadService.Submitted bad = service.submit(spec);
        container.started.getLast().end(new Outcome.Exited(3, "\"\"", Duration.ofMillis(5)));
        WorkloadRecord failed = bad.done().join();
        assertThat(failed.status()).isEqualTo(WorkloadStatus.FAILED);
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.reason()).isEqualTo("exit_code");
        assertThat(failed.error()).isEqualTo("exited with code 3");
        assertThat(repository.find(failed.id())).contains(failed);
    }

    @Test
    void eachWorkloadGetsItsOwnIdAndLaterOnesSortAfterEarlierOnes() {
        String first = service.submit(js("1")).record().id();
        String second = service.submit(js("2")).record().id();

        assertThat(second).isNotEqualTo(first).isGreaterThan(first);
    }

    // --- outcomes -------------------------------------------------------------------------

    @Test
    void aCompletedOutcomeIsPersistedAsCompleted() {
        WorkloadService.Submitted submitted = service.submit(js("return 42"));
        clock.advance(Duration.ofSeconds(2));

        isolate.only().complete("42", Duration.ofMillis(1234));

        WorkloadRecord done = submitted.done().join();
        assertThat(done.status()).isEqualTo(WorkloadStatus.COMPLETED);
        assertThat(done.outputJson()).isEqualTo("42");
        assertThat(done.exitCode()).isZero();
        assertThat(done.durationMs()).isEqualTo(1234L);
        assertThat(done.reason()).isNull();
        assertThat(done.error()).isNull();
        assertThat(done.stack()).isNull();
        assertThat(done.startedAt()).isEqualTo(T0);
        assertThat(done.finishedAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(repository.find(done.id())).contains(done);
        assertThat(service.runningNow()).isEmpty();
    }

    @Test
    void aFailedOutcomeIsPersistedWithItsReasonErrorAndStack() {
        WorkloadService.Submitted submitted = service.submit(js("throw new Error('boom')"));

        isolate.only().fail("exception", "Error: boom", "Error: boom\n    at main:1:7", Duration.ofMillis(9));

        WorkloadRecord done = submitted.done().join();
        assertThat(done.status()).isEqualTo(WorkloadStatus.FAILED);
        assertThat(done.reason()).isEqualTo("exception");
        assertThat(done.error()).isEqualTo("Error: boom");
        assertThat(done.stack()).isEqualTo("Error: boom\n    at main:1:7");
        assertThat(done.exitCode()).isEqualTo(1);
        assertThat(done.durationMs()).isEqualTo(9L);
        assertThat(done.outputJson()).isNull();
        assertThat(repository.find(done.id())).contains(done);
    }

    @Test
    void aKilledOutcomeIsPersistedAsKilledWithItsReason() {
        WorkloadService.Submitted submitted = service.submit(js("while (true) {}"));

        isolate.only().end(new Outcome.Killed("timeout", "exceeded its timeout of 30 s", Duration.ofSeconds(30)));

        WorkloadRecord done = submitted.done().join();
        assertThat(done.status()).isEqualTo(WorkloadStatus.KILLED);
        assertThat(done.reason()).isEqualTo("timeout");
        assertThat(done.error()).isEqualTo("exceeded its timeout of 30 s");
        assertThat(done.exitCode()).isEqualTo(137);
        assertThat(done.durationMs()).isEqualTo(30_000L);
        assertThat(repository.find(done.id())).contains(done);
    }

    @Test
    void anOutcomeThatFailsExceptionallyIsPersistedAsAnInternalFailure() {
        WorkloadService.Submitted submitted = service.submit(js("1"));
        clock.advance(Duration.ofMillis(250));

        isolate.only().crash(new IllegalStateException("supervisor lost"));

        WorkloadRecord done = submitted.done().join();
        assertThat(done.status()).isEqualTo(WorkloadStatus.FAILED);
        assertThat(done.reason()).isEqualTo("internal");
        assertThat(done.error()).contains("supervisor lost");
        assertThat(done.durationMs()).isEqualTo(250L);
        assertThat(repository.find(done.id())).contains(done);
    }

    @Test
    void whenDoneOfARunningWorkloadCompletesWithItsFinalRecord() {
        String id = service.submit(js("1")).record().id();
        CompletableFuture<WorkloadRecord> whenDone = service.whenDone(id);
        assertThat(whenDone).isNotDone();

        isolate.only().complete("1", Duration.ofMillis(1));

        assertThat(whenDone.join().status()).isEqualTo(WorkloadStatus.COMPLETED);
        assertThat(service.whenDone(id).join()).isEqualTo(whenDone.join());
    }

    @Test
    void linesTheBackendWritesAreStoredAndTheLogEndsWithTheWorkload() throws InterruptedException {
        WorkloadService.Submitted submitted = service.submit(js("console.log('hi')"));
        LogSubscription follower = logs.read(submitted.record().id(), true);

        isolate.only().logs.line(LogSink.Stream.STDOUT, "hi");
        isolate.only().complete("null", Duration.ofMillis(1));

        assertThat(follower.next(Duration.ofSeconds(5))).isInstanceOfSatisfying(LogSubscription.Next.Line.class,
                line -> assertThat(line.event().line()).isEqualTo("hi"));
        assertThat(follower.next(Duration.ofSeconds(5))).isInstanceOf(LogSubscription.Next.End.class);
        submitted.done().join();
    }

    // --- kill -----------------------------------------------------------------------------

    @Test
    void killingARunningWorkloadKillsItsExecutionAndReturnsTheFinalRecord() {
        isolate.killAnswersLater();
        String id = service.submit(js("while (true) {}")).record().id();

        WorkloadRecord killed = service.kill(id);

        assertThat(isolate.only().kills).containsExactly("killed: killed by request");
        assertThat(killed.status()).isEqualTo(WorkloadStatus.KILLED);
        assertThat(killed.reason()).isEqualTo("killed");
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(repository.find(id)).contains(killed);
        assertThat(service.runningNow()).isEmpty();
    }

    @Test
    void killingAFinishedWorkloadIsAConflict() {
        WorkloadService.Submitted submitted = service.submit(js("1"));
        isolate.only().complete("1", Duration.ofMillis(1));
        submitted.done().join();

        assertThatThrownBy(() -> service.kill(submitted.record().id()))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo("not_running"))
                .hasMessageContaining(submitted.record().id())
                .hasMessageContaining("status completed");
        assertThat(isolate.only().kills).isEmpty();
    }

    @Test
    void killingAnUnknownWorkloadIsNotFound() {
        assertThatThrownBy(() -> service.kill("01JNOSUCHWORKLOAD00000000"))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.code()).isEqualTo("workload_not_found"))
                .hasMessageContaining("01JNOSUCHWORKLOAD00000000");
    }

    @Test
    void gettingAnUnknownWorkloadIsNotFound() {
        assertThatThrownBy(() -> service.get("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> service.whenDone("nope")).isInstanceOf(NotFoundException.class);
    }

    // --- refusals -------------------------------------------------------------------------

    @Test
    void anUnavailableBackendIsRefusedBeforeAnythingIsRecorded() {
        isolate.unavailable("deno not found on PATH");

        assertThatThrownBy(() -> service.submit(js("1")))
                .isInstanceOfSatisfying(UnavailableException.class,
                        e -> assertThat(e.code()).isEqualTo("backend_unavailable"))
                .hasMessageContaining("isolate")
                .hasMessageContaining("deno not found on PATH");
        assertThat(repository.list(ALL)).isEmpty();
        assertThat(isolate.started).isEmpty();
    }

    @Test
    void anIsolationWithNoBackendOnThisNodeIsRefusedWithTheReason() {
        assertThatThrownBy(() -> service.submit(spec(Runtime.SHELL, Isolation.MICROVM, "echo hi")))
                .isInstanceOfSatisfying(UnavailableException.class,
                        e -> assertThat(e.code()).isEqualTo("backend_unavailable"))
                .hasMessageContaining("microvm")
                .hasMessageContaining("the microvm backend is not built yet");
        assertThat(repository.list(ALL)).isEmpty();
    }

    @Test
    void aRuntimeTheBackendDoesNotRunIsRefusedListingWhatItRuns() {
        assertThatThrownBy(() -> service.submit(spec(Runtime.PYTHON, Isolation.ISOLATE, "print(1)")))
                .isInstanceOfSatisfying(InvalidException.class,
                        e -> assertThat(e.code()).isEqualTo("runtime_not_supported"))
                .hasMessageContaining("'isolate' cannot run runtime 'python'")
                .hasMessageContaining("[javascript, typescript]");
        assertThat(repository.list(ALL)).isEmpty();
        assertThat(isolate.started).isEmpty();
    }

    @Test
    void aRuntimeWhoseBaseImageIsMissingIsRefusedBeforeAnythingIsRecorded() {
        container.failOnPrepare(new UnavailableException("base_image_missing", "build it with scripts/base-images"));

        assertThatThrownBy(() -> service.submit(spec(Runtime.PYTHON, Isolation.AUTO, "def handler(i): return i")))
                .isInstanceOfSatisfying(UnavailableException.class,
                        e -> assertThat(e.code()).isEqualTo("base_image_missing"))
                .hasMessageContaining("scripts/base-images");
        assertThat(repository.list(ALL)).isEmpty();
        assertThat(container.started).isEmpty();
    }

    @Test
    void limitsOutOfBoundsAreRefusedBeforeAnythingIsRecorded() {
        WorkloadSpec greedy = new WorkloadSpec(Runtime.JAVASCRIPT, Isolation.AUTO, "1", null, 64, null, null);

        assertThatThrownBy(() -> service.submit(greedy))
                .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.code()).isEqualTo("invalid_limits"));
        assertThat(repository.list(ALL)).isEmpty();
    }

    @Test
    void aBackendThatCannotStartLeavesAFailedRecordWithReasonBackendUnavailable() throws InterruptedException {
        isolate.failOnStart(new BackendUnavailableException("the isolate backend is closed"));

        WorkloadService.Submitted submitted = service.submit(js("1"));

        WorkloadRecord failed = submitted.record();
        assertThat(failed.status()).isEqualTo(WorkloadStatus.FAILED);
        assertThat(failed.reason()).isEqualTo("backend_unavailable");
        assertThat(failed.error()).isEqualTo("the isolate backend is closed");
        assertThat(failed.finishedAt()).isEqualTo(T0);
        assertThat(submitted.done()).isCompletedWithValue(failed);
        assertThat(repository.find(failed.id())).contains(failed);
        assertThat(service.runningNow()).isEmpty();
        assertThat(logs.read(failed.id(), true).next(Duration.ofSeconds(5))).isInstanceOf(LogSubscription.Next.End.class);
    }

    @Test
    void aBackendThatThrowsAnythingElseOnStartDoesNotLeaveTheWorkloadRunningForever() {
        isolate.failOnStart(new IllegalStateException("host pool scheduler was shut down"));

        catchThrowable(() -> service.submit(js("1")));

        List<WorkloadRecord> recorded = repository.list(ALL);
        assertThat(recorded).allSatisfy(record -> {
            assertThat(record.status()).as("status of a workload whose start threw").isEqualTo(WorkloadStatus.FAILED);
            assertThat(record.finishedAt()).isNotNull();
        });
        assertThat(service.runningNow()).isEmpty();
    }

    // --- restart --------------------------------------------------------------------------

    @Test
    void failInterruptedMarksWorkloadsLeftRunningByTheLastDaemonFailed() {
        String finished = service.submit(js("1")).record().id();
        isolate.started.getFirst().complete("1", Duration.ofMillis(1));
        String interrupted = service.submit(js("while (true) {}")).record().id();
        clock.advance(Duration.ofMinutes(5));

        WorkloadService restarted = newService();
        int marked = restarted.failInterrupted();

        assertThat(marked).isEqualTo(1);
        WorkloadRecord record = restarted.get(interrupted);
        assertThat(record.status()).isEqualTo(WorkloadStatus.FAILED);
        assertThat(record.reason()).isEqualTo("daemon_restarted");
        assertThat(record.error()).isNotBlank();
        assertThat(record.finishedAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        assertThat(restarted.get(finished).status()).isEqualTo(WorkloadStatus.COMPLETED);
        assertThat(restarted.failInterrupted()).isZero();
    }

    // --- stats and metrics ----------------------------------------------------------------

    @Test
    void statsCountByStatusAndGivePercentilesOfCompletedDurationsPerIsolation() {
        for (long ms : new long[] {40, 10, 30, 20}) {
            service.submit(js("1"));
            isolate.started.getLast().complete("1", Duration.ofMillis(ms));
        }
        service.submit(js("throw 1"));
        isolate.started.getLast().fail("exception", "1", null, Duration.ofMillis(5_000));
        service.submit(js("while (true) {}"));
        service.submit(spec(Runtime.SHELL, Isolation.CONTAINER, "exit 1"));
        container.started.getLast().fail("exit_code", "exit status 1", null, Duration.ofMillis(3));

        Stats stats = service.stats();

        assertThat(stats.total()).isEqualTo(7);
        assertThat(stats.byStatus()).containsExactlyInAnyOrderEntriesOf(Map.of(
                WorkloadStatus.PENDING, 0L, WorkloadStatus.RUNNING, 1L, WorkloadStatus.COMPLETED, 4L,
                WorkloadStatus.FAILED, 2L, WorkloadStatus.KILLED, 0L));
        assertThat(stats.byIsolation()).containsExactlyInAnyOrder(
                new Stats.IsolationStats(Isolation.ISOLATE, 6, 4, 25.0, 20L, 40L),
                new Stats.IsolationStats(Isolation.CONTAINER, 1, 0, null, null, null));
    }

    @Test
    void statsPercentilesOfAHundredDurationsAreTheNearestRanks() {
        for (long ms = 100; ms >= 1; ms--) {
            service.submit(js("1"));
            isolate.started.getLast().complete("1", Duration.ofMillis(ms));
        }

        Stats.IsolationStats isolateStats = service.stats().byIsolation().getFirst();

        assertThat(isolateStats.completed()).isEqualTo(100);
        assertThat(isolateStats.avgMs()).isEqualTo(50.5);
        assertThat(isolateStats.p50Ms()).isEqualTo(50L);
        assertThat(isolateStats.p99Ms()).isEqualTo(99L);
    }

    @Test
    void statsOfAnEmptyNodeAreZero() {
        Stats stats = service.stats();

        assertThat(stats.total()).isZero();
        assertThat(stats.byStatus()).hasSize(WorkloadStatus.values().length).allSatisfy((status, n) -> assertThat(n).isZero());
        assertThat(stats.byIsolation()).isEmpty();
    }

    @Test
    void metricsCountRunningAndFinishedWorkloads() {
        String running = "vulcan_workloads_running{isolation=\"isolate\",runtime=\"javascript\"}";
        String coldStarts = "vulcan_workload_start_seconds_count{isolation=\"isolate\",runtime=\"javascript\",start=\"cold\"}";
        String completed = "vulcan_workloads_finished_total{isolation=\"isolate\",runtime=\"javascript\",status=\"completed\"}";
        String durations = "vulcan_workload_duration_seconds_count{isolation=\"isolate\",runtime=\"javascript\"}";

        WorkloadService.Submitted submitted = service.submit(js("1"));

        assertThat(sample(running)).isEqualTo(1.0);
        assertThat(sample(completed)).isZero();

        isolate.only().complete("1", Duration.ofMillis(20));
        submitted.done().join();

        assertThat(sample(running)).isZero();
        assertThat(sample(completed)).isEqualTo(1.0);
        assertThat(sample(durations)).isEqualTo(1.0);
        // the fake backend's execution says nothing of its start: a new sandbox, timed to the outcome
        assertThat(sample(coldStarts)).isEqualTo(1.0);
    }

    @Test
    void metricsCountAWorkloadThatNeverStartedAsFinishedButNeverAsRunning() {
        isolate.failOnStart(new BackendUnavailableException("closed"));

        service.submit(js("1"));

        assertThat(sample("vulcan_workloads_finished_total{isolation=\"isolate\",runtime=\"javascript\",status=\"failed\"}"))
                .isEqualTo(1.0);
        assertThat(sample("vulcan_workloads_running{isolation=\"isolate\",runtime=\"javascript\"}")).isZero();
    }

    @Test
    void closingKillsWhatStillRuns() {
        WorkloadService.Submitted submitted = service.submit(js("while (true) {}"));

        service.close();

        assertThat(isolate.only().kills).containsExactly("killed: daemon shutting down");
        assertThat(submitted.done()).succeedsWithin(5, TimeUnit.SECONDS)
                .satisfies(record -> assertThat(record.status()).isEqualTo(WorkloadStatus.KILLED));
    }

    // --- helpers --------------------------------------------------------------------------

    /** The value of one series in the scrape, 0 when it is not there yet. */
    private double sample(String series) {
        List<String> found = new ArrayList<>();
        for (String line : metrics.scrape().split("\n")) {
            if (line.startsWith(series + " ")) {
                found.add(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        assertThat(found).as("samples of %s", series).hasSizeLessThanOrEqualTo(1);
        return found.isEmpty() ? 0 : Double.parseDouble(found.getFirst());
    }

    private static WorkloadSpec js(String code) {
        return spec(Runtime.JAVASCRIPT, Isolation.AUTO, code);
    }

    private static WorkloadSpec spec(Runtime runtime, Isolation isolation, String code) {
        return new WorkloadSpec(runtime, isolation, code, null, null, null, null);
    }

    /** A clock that moves only when the test says so. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
