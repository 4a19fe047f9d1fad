package dev.vulcan.daemon.workload;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.f4b6a3.ulid.UlidFactory;
import dev.vulcan.api.Isolation;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadRepositoryTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456789Z");

    @TempDir
    Path dir;

    private final UlidFactory ids = UlidFactory.newMonotonicInstance();
    private Database database;
    private WorkloadRepository repository;

    @BeforeEach
    void open() {
        database = Database.open(dir.resolve("vulcan.db"));
        repository = new WorkloadRepository(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aRecordWithEveryFieldSetReadsBackEqual() {
        WorkloadRecord record = new WorkloadRecord(ids.create().toString(), WorkloadStatus.FAILED, Isolation.AUTO,
                Isolation.ISOLATE, Runtime.TYPESCRIPT, null, null, "node-a", "sha256:abc", "{\"n\":1}", "throw new Error('x')",
                "{\"partial\":true}", 1, "Error: x", "exception", "Error: x\n    at <anonymous>:1:7",
                new Limits(2, 256, Duration.ofSeconds(45)), 1234L, T0, T0.plusMillis(5), T0.plusSeconds(2));

        repository.insert(record);

        assertThat(repository.find(record.id())).contains(record);
    }

    @Test
    void aRecordWithEveryOptionalFieldNullReadsBackEqual() {
        WorkloadRecord record = new WorkloadRecord(ids.create().toString(), WorkloadStatus.PENDING,
                Isolation.CONTAINER, Isolation.CONTAINER, Runtime.SHELL, null, null, "node-a", null, null, "echo hi", null, null,
                null, null, null, new Limits(1, 128, Duration.ofSeconds(30)), null, T0, null, null);

        repository.insert(record);

        assertThat(repository.find(record.id())).contains(record);
    }

    @Test
    void anImageWorkloadKeepsItsImageAndCommandAndHasNoCode() {
        WorkloadRecord record = new WorkloadRecord(ids.create().toString(), WorkloadStatus.RUNNING,
                Isolation.AUTO, Isolation.CONTAINER, Runtime.OCI, "docker.io/library/busybox:latest",
                java.util.List.of("/bin/sh", "-c", "echo \"hi\""), "node-a", "sha256:00", "null", null, null, null,
                null, null, null, new Limits(1, 128, Duration.ofSeconds(30)), null, T0, T0, null);

        repository.insert(record);

        assertThat(repository.find(record.id())).contains(record);
    }

    @Test
    void anUnknownIdIsNotFound() {
        assertThat(repository.find("01NOSUCHWORKLOAD000000000")).isEmpty();
    }

    @Test
    void updateStoresTheOutcomeAndKeepsWhatWasAsked() {
        WorkloadRecord running = record(WorkloadStatus.RUNNING, Isolation.ISOLATE, null);
        repository.insert(running);
        WorkloadRecord completed = new WorkloadRecord(running.id(), WorkloadStatus.COMPLETED, running.isolation(),
                running.isolationUsed(), running.runtime(), running.image(), running.command(), running.nodeId(), running.inputHash(),
                running.inputJson(), running.code(), "42", 0, null, null, null, running.limits(), 17L,
                running.createdAt(), running.startedAt(), T0.plusSeconds(1));

        repository.update(completed);

        assertThat(repository.find(running.id())).contains(completed);
    }

    @Test
    void updateCanClearFieldsBackToNull() {
        WorkloadRecord failed = record(WorkloadStatus.FAILED, Isolation.ISOLATE, 5L);
        repository.insert(failed);
        WorkloadRecord cleared = new WorkloadRecord(failed.id(), WorkloadStatus.RUNNING, failed.isolation(),
                failed.isolationUsed(), failed.runtime(), failed.image(), failed.command(), failed.nodeId(), failed.inputHash(), failed.inputJson(),
                failed.code(), null, null, null, null, null, failed.limits(), null, failed.createdAt(), null, null);

        repository.update(cleared);

        assertThat(repository.find(failed.id())).contains(cleared);
    }

    @Test
    void theListIsNewestFirst() {
        List<String> inserted = insertMany(5, WorkloadStatus.COMPLETED, Isolation.ISOLATE);

        assertThat(ids(repository.list(new WorkloadRepository.Query(null, null, null, 50))))
                .containsExactlyElementsOf(inserted.reversed());
    }

    @Test
    void theCursorPagesThroughEveryRowOnceWithoutOverlap() {
        List<String> newestFirst = insertMany(5, WorkloadStatus.COMPLETED, Isolation.ISOLATE).reversed();

        List<String> first = ids(repository.list(new WorkloadRepository.Query(null, null, null, 2)));
        List<String> second = ids(repository.list(new WorkloadRepository.Query(null, null, first.getLast(), 2)));
        List<String> third = ids(repository.list(new WorkloadRepository.Query(null, null, second.getLast(), 2)));
        List<String> after = ids(repository.list(new WorkloadRepository.Query(null, null, third.getLast(), 2)));

        assertThat(first).containsExactlyElementsOf(newestFirst.subList(0, 2));
        assertThat(second).containsExactlyElementsOf(newestFirst.subList(2, 4));
        assertThat(third).containsExactlyElementsOf(newestFirst.subList(4, 5));
        assertThat(after).isEmpty();
    }

    @Test
    void theListFiltersByStatus() {
        List<String> completed = insertMany(2, WorkloadStatus.COMPLETED, Isolation.ISOLATE);
        insertMany(3, WorkloadStatus.FAILED, Isolation.ISOLATE);

        assertThat(ids(repository.list(new WorkloadRepository.Query(WorkloadStatus.COMPLETED, null, null, 50))))
                .containsExactlyElementsOf(completed.reversed());
    }

    @Test
    void theListFiltersByTheIsolationUsedNotTheOneAsked() {
        WorkloadRecord autoToIsolate = record(WorkloadStatus.COMPLETED, Isolation.AUTO, Isolation.ISOLATE, 1L);
        WorkloadRecord container = record(WorkloadStatus.COMPLETED, Isolation.CONTAINER, Isolation.CONTAINER, 1L);
        repository.insert(autoToIsolate);
        repository.insert(container);

        assertThat(ids(repository.list(new WorkloadRepository.Query(null, Isolation.ISOLATE, null, 50))))
                .containsExactly(autoToIsolate.id());
        assertThat(repository.list(new WorkloadRepository.Query(null, Isolation.AUTO, null, 50))).isEmpty();
    }

    @Test
    void statusIsolationAndCursorFiltersCombine() {
        List<String> wanted = insertMany(3, WorkloadStatus.FAILED, Isolation.CONTAINER);
        insertMany(2, WorkloadStatus.FAILED, Isolation.ISOLATE);
        insertMany(2, WorkloadStatus.COMPLETED, Isolation.CONTAINER);

        List<WorkloadRecord> page = repository.list(
                new WorkloadRepository.Query(WorkloadStatus.FAILED, Isolation.CONTAINER, wanted.getLast(), 50));

        assertThat(ids(page)).containsExactly(wanted.get(1), wanted.get(0));
    }

    @Test
    void failUnfinishedMarksOnlyPendingAndRunningWorkloadsFailed() {
        Map<WorkloadStatus, WorkloadRecord> byStatus = new java.util.EnumMap<>(WorkloadStatus.class);
        for (WorkloadStatus status : WorkloadStatus.values()) {
            WorkloadRecord record = record(status, Isolation.ISOLATE, status.isFinal() ? 3L : null);
            repository.insert(record);
            byStatus.put(status, record);
        }
        Instant now = T0.plusSeconds(60);

        int marked = repository.failUnfinished("daemon_restarted", "daemon restarted", now);

        assertThat(marked).isEqualTo(2);
        for (WorkloadStatus unfinished : List.of(WorkloadStatus.PENDING, WorkloadStatus.RUNNING)) {
            WorkloadRecord after = repository.find(byStatus.get(unfinished).id()).orElseThrow();
            assertThat(after.status()).isEqualTo(WorkloadStatus.FAILED);
            assertThat(after.reason()).isEqualTo("daemon_restarted");
            assertThat(after.error()).isEqualTo("daemon restarted");
            assertThat(after.finishedAt()).isEqualTo(now);
        }
        for (WorkloadStatus finished : List.of(WorkloadStatus.COMPLETED, WorkloadStatus.FAILED, WorkloadStatus.KILLED)) {
            assertThat(repository.find(byStatus.get(finished).id())).contains(byStatus.get(finished));
        }
    }

    @Test
    void failUnfinishedWithNothingUnfinishedChangesNothing() {
        insertMany(2, WorkloadStatus.COMPLETED, Isolation.ISOLATE);

        assertThat(repository.failUnfinished("daemon_restarted", "daemon restarted", T0)).isZero();
    }

    @Test
    void countByStatusCountsOnlyStatusesThatOccur() {
        insertMany(3, WorkloadStatus.COMPLETED, Isolation.ISOLATE);
        insertMany(1, WorkloadStatus.FAILED, Isolation.CONTAINER);
        insertMany(2, WorkloadStatus.RUNNING, Isolation.ISOLATE);

        Map<WorkloadStatus, Long> counts = repository.countByStatus();

        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of(
                WorkloadStatus.COMPLETED, 3L, WorkloadStatus.FAILED, 1L, WorkloadStatus.RUNNING, 2L));
    }

    @Test
    void anEmptyStoreHasNoCountsAndNoDurations() {
        assertThat(repository.countByStatus()).isEmpty();
        assertThat(repository.durationsByIsolation()).isEmpty();
    }

    @Test
    void durationsByIsolationCountEveryWorkloadButListOnlyCompletedDurationsSorted() {
        for (long ms : new long[] {40, 10, 30, 20}) {
            repository.insert(record(WorkloadStatus.COMPLETED, Isolation.ISOLATE, ms));
        }
        repository.insert(record(WorkloadStatus.FAILED, Isolation.ISOLATE, 999L));
        repository.insert(record(WorkloadStatus.RUNNING, Isolation.ISOLATE, null));
        repository.insert(record(WorkloadStatus.KILLED, Isolation.CONTAINER, 30_000L));

        Map<Isolation, WorkloadRepository.IsolationDurations> byIsolation = repository.durationsByIsolation()
                .stream().collect(Collectors.toMap(WorkloadRepository.IsolationDurations::isolation, d -> d));

        assertThat(byIsolation).containsOnlyKeys(Isolation.ISOLATE, Isolation.CONTAINER);
        assertThat(byIsolation.get(Isolation.ISOLATE).count()).isEqualTo(6);
        assertThat(byIsolation.get(Isolation.ISOLATE).completedMs()).containsExactly(10L, 20L, 30L, 40L);
        assertThat(byIsolation.get(Isolation.CONTAINER).count()).isEqualTo(1);
        assertThat(byIsolation.get(Isolation.CONTAINER).completedMs()).isEmpty();
    }

    private List<String> insertMany(int count, WorkloadStatus status, Isolation isolation) {
        List<String> inserted = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            WorkloadRecord record = record(status, isolation, status.isFinal() ? 10L + i : null);
            repository.insert(record);
            inserted.add(record.id());
        }
        return inserted;
    }

    private WorkloadRecord record(WorkloadStatus status, Isolation isolation, Long durationMs) {
        return record(status, isolation, isolation, durationMs);
    }

    private WorkloadRecord record(WorkloadStatus status, Isolation asked, Isolation used, Long durationMs) {
        boolean started = status != WorkloadStatus.PENDING;
        return new WorkloadRecord(ids.create().toString(), status, asked, used, Runtime.JAVASCRIPT, null, null, "node-a",
                "sha256:00", "null", "1 + 1", status == WorkloadStatus.COMPLETED ? "2" : null,
                status.isFinal() ? 0 : null, null, null, null, new Limits(1, 128, Duration.ofSeconds(30)),
                durationMs, T0, started ? T0 : null, status.isFinal() ? T0.plusMillis(durationMs) : null);
    }

    private static List<String> ids(List<WorkloadRecord> records) {
        return records.stream().map(WorkloadRecord::id).toList();
    }
}
