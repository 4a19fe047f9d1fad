package dev.vulcan.daemon.logs;

import static dev.vulcan.daemon.logs.LogStoreTest.drain;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.LogSink.Stream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Following a run while it writes: every line exactly once, then the end. */
class LiveLogTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private LogStore store;

    @BeforeEach
    void open() {
        store = new LogStore(dir, Clock.systemUTC());
    }

    @Test
    void aFollowerThatSubscribesMidRunSeesEveryLineOnceThenTheEnd() throws InterruptedException {
        LiveLog live = store.open("w1");
        live.line(Stream.STDOUT, "1");
        live.line(Stream.STDERR, "2");
        live.line(Stream.STDOUT, "3");

        LogSubscription follower = store.read("w1", true);
        live.line(Stream.STDOUT, "4");
        live.line(Stream.STDERR, "5");
        store.close("w1");

        assertThat(drain(follower)).containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    void aFollowerThatSubscribesBeforeAnyLineSeesThemAllLive() throws InterruptedException {
        LiveLog live = store.open("w1");
        LogSubscription follower = store.read("w1", true);

        live.line(Stream.STDOUT, "a");
        live.line(Stream.STDOUT, "b");
        store.close("w1");

        assertThat(drain(follower)).containsExactly("a", "b");
    }

    @Test
    void twoFollowersEachSeeEveryLine() throws InterruptedException {
        LiveLog live = store.open("w1");
        live.line(Stream.STDOUT, "before both");
        LogSubscription early = store.read("w1", true);
        live.line(Stream.STDOUT, "between");
        LogSubscription late = store.read("w1", true);
        live.line(Stream.STDOUT, "after both");
        store.close("w1");

        assertThat(drain(early)).containsExactly("before both", "between", "after both");
        assertThat(drain(late)).containsExactly("before both", "between", "after both");
    }

    @Test
    void aFollowerIsToldIdleWhenNothingArrivesWithinTheWait() throws InterruptedException {
        LiveLog live = store.open("w1");
        LogSubscription follower = store.read("w1", true);

        assertThat(follower.next(Duration.ofMillis(20))).isInstanceOf(LogSubscription.Next.Idle.class);

        live.line(Stream.STDOUT, "at last");
        assertThat(follower.next(WAIT)).isInstanceOfSatisfying(LogSubscription.Next.Line.class,
                line -> assertThat(line.event().line()).isEqualTo("at last"));
        assertThat(follower.next(Duration.ofMillis(20))).isInstanceOf(LogSubscription.Next.Idle.class);
    }

    @Test
    void aWaitingFollowerWakesForTheNextLine() throws Exception {
        LiveLog live = store.open("w1");
        LogSubscription follower = store.read("w1", true);
        CompletableFuture<LogSubscription.Next> next = CompletableFuture.supplyAsync(() -> {
            try {
                return follower.next(WAIT);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        live.line(Stream.STDOUT, "wake up");

        assertThat(next.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOfSatisfying(
                LogSubscription.Next.Line.class, line -> assertThat(line.event().line()).isEqualTo("wake up"));
    }

    @Test
    void aWaitingFollowerWakesForTheEnd() throws Exception {
        store.open("w1");
        LogSubscription follower = store.read("w1", true);
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            try {
                return drain(follower);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        store.close("w1");

        assertThat(lines.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void aFollowerThatClosedItsSubscriptionIsSentNothingMore() throws InterruptedException {
        LiveLog live = store.open("w1");
        LogSubscription follower = store.read("w1", true);

        follower.close();
        live.line(Stream.STDOUT, "unheard");
        store.close("w1");

        assertThat(follower.next(Duration.ofMillis(20))).isInstanceOf(LogSubscription.Next.Idle.class);
    }

    @Test
    void aReaderThatFoundTheRunLiveJustBeforeItEndedStillSeesItsLines() throws InterruptedException {
        LiveLog live = store.open("w1");
        live.line(Stream.STDOUT, "one");
        live.line(Stream.STDOUT, "two");

        // LogStore.read(id, true) looks the live log up, then subscribes to it. When the run ends
        // between the two, the subscription is made on a closed LiveLog:
        store.close("w1");
        LogSubscription late = live.subscribe();

        assertThat(drain(late)).containsExactly("one", "two");
    }

    @Test
    void concurrentWritersAndAFollowerLoseNothingAndDuplicateNothing() throws Exception {
        int writers = 4;
        int perWriter = 500;
        LiveLog live = store.open("busy");
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch midRun = new CountDownLatch(1);
        List<Future<?>> writing = new ArrayList<>();
        CompletableFuture<List<String>> followed;

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < writers; w++) {
                int writer = w;
                writing.add(threads.submit(() -> {
                    go.await();
                    for (int i = 0; i < perWriter; i++) {
                        live.line(i % 2 == 0 ? Stream.STDOUT : Stream.STDERR, writer + ":" + i);
                        if (writer == 0 && i == perWriter / 2) {
                            midRun.countDown();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            assertThat(midRun.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            LogSubscription follower = store.read("busy", true);
            followed = CompletableFuture.supplyAsync(() -> {
                try {
                    return drain(follower);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        } // waits for every writer
        for (Future<?> writer : writing) {
            writer.get();
        }
        store.close("busy");

        List<String> seen = followed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(seen).hasSize(writers * perWriter);
        assertThat(new HashSet<>(seen)).hasSize(writers * perWriter);
        assertInOrderPerWriter(seen, writers, perWriter);

        List<String> stored = drain(store.read("busy", false));
        assertThat(stored).hasSize(writers * perWriter);
        assertThat(new HashSet<>(stored)).isEqualTo(new HashSet<>(seen));
        assertInOrderPerWriter(stored, writers, perWriter);
        assertThat(Files.readAllLines(dir.resolve("busy.log"))).hasSize(writers * perWriter);
    }

    private static void assertInOrderPerWriter(List<String> lines, int writers, int perWriter) {
        Map<String, List<Integer>> byWriter = lines.stream().map(l -> l.split(":")).collect(Collectors.groupingBy(
                parts -> parts[0], Collectors.mapping(parts -> Integer.parseInt(parts[1]), Collectors.toList())));
        assertThat(byWriter).hasSize(writers);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < perWriter; i++) {
            expected.add(i);
        }
        byWriter.forEach((writer, sequence) -> assertThat(sequence).as("lines of writer " + writer)
                .containsExactlyElementsOf(expected));
    }
}
