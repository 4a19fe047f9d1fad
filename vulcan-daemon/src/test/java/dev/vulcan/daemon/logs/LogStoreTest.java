package dev.vulcan.daemon.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.api.LogEvent;
import dev.vulcan.daemon.backend.LogSink.Stream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class LogStoreTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.5Z");
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void linesArePersistedAsOneJsonObjectPerLine() throws IOException {
        LogStore logs = store();
        LiveLog live = logs.open("w1");

        live.line(Stream.STDOUT, "hello");
        live.line(Stream.STDERR, "oops");
        logs.close("w1");

        List<String> stored = Files.readAllLines(dir.resolve("logs").resolve("w1.log"));
        JsonMapper json = Json.mapper();
        assertThat(stored).hasSize(2);
        assertThat(json.readValue(stored.get(0), LogEvent.class)).isEqualTo(new LogEvent(T0, "stdout", "hello"));
        assertThat(json.readValue(stored.get(1), LogEvent.class)).isEqualTo(new LogEvent(T0, "stderr", "oops"));
        assertThat(stored.get(0)).contains("\"stream\":\"stdout\"", "\"line\":\"hello\"", "\"time\":\"2025-03-01T10:00:00.500Z\"");
    }

    @Test
    void aLineWithQuotesBackslashesNewlinesAndUnicodeReadsBackUnchanged() throws InterruptedException {
        LogStore logs = store();
        String awkward = "say \"hi\" \\ to \u00e9t\u00e9 \ud83d\udd25\nand a second row\ttabbed";
        logs.open("w1").line(Stream.STDOUT, awkward);
        logs.close("w1");

        assertThat(drain(logs.read("w1", false))).containsExactly(awkward);
    }

    @Test
    void readingAFinishedRunReturnsItsStoredLinesThenTheEnd() throws InterruptedException {
        LogStore logs = store();
        LiveLog live = logs.open("w1");
        live.line(Stream.STDOUT, "one");
        live.line(Stream.STDERR, "two");
        logs.close("w1");

        LogSubscription lines = logs.read("w1", false);

        assertThat(lines.next(WAIT)).isEqualTo(new LogSubscription.Next.Line(new LogEvent(T0, "stdout", "one")));
        assertThat(lines.next(WAIT)).isEqualTo(new LogSubscription.Next.Line(new LogEvent(T0, "stderr", "two")));
        assertThat(lines.next(WAIT)).isInstanceOf(LogSubscription.Next.End.class);
        assertThat(lines.next(WAIT)).as("the end repeats").isInstanceOf(LogSubscription.Next.End.class);
    }

    @Test
    void followingAFinishedRunReadsTheSameAsNotFollowing() throws InterruptedException {
        LogStore logs = store();
        LiveLog live = logs.open("w1");
        live.line(Stream.STDOUT, "one");
        logs.close("w1");

        assertThat(drain(logs.read("w1", true))).containsExactly("one");
    }

    @Test
    void readingARunStillGoingWithoutFollowingReturnsTheLinesSoFarThenTheEnd() throws InterruptedException {
        LogStore logs = store();
        LiveLog live = logs.open("w1");
        live.line(Stream.STDOUT, "so far");

        assertThat(drain(logs.read("w1", false))).containsExactly("so far");

        live.line(Stream.STDOUT, "later");
        logs.close("w1");
        assertThat(drain(logs.read("w1", false))).containsExactly("so far", "later");
    }

    @Test
    void aRunThatPrintedNothingHasNoFileAndReadsAsEmpty() throws InterruptedException {
        LogStore logs = store();
        logs.open("quiet");
        logs.close("quiet");

        assertThat(dir.resolve("logs").resolve("quiet.log")).doesNotExist();
        assertThat(logs.read("quiet", false).next(WAIT)).isInstanceOf(LogSubscription.Next.End.class);
        assertThat(logs.read("quiet", true).next(WAIT)).isInstanceOf(LogSubscription.Next.End.class);
    }

    @Test
    void anUnknownRunReadsAsEmpty() throws InterruptedException {
        assertThat(store().read("never-ran", false).next(WAIT)).isInstanceOf(LogSubscription.Next.End.class);
    }

    @Test
    void linesWrittenAfterTheRunEndedAreDropped() throws InterruptedException {
        LogStore logs = store();
        LiveLog live = logs.open("w1");
        live.line(Stream.STDOUT, "in time");
        logs.close("w1");

        live.line(Stream.STDOUT, "too late");

        assertThat(drain(logs.read("w1", false))).containsExactly("in time");
    }

    @Test
    void eachRunHasItsOwnLog() throws InterruptedException {
        LogStore logs = store();
        logs.open("a").line(Stream.STDOUT, "from a");
        logs.open("b").line(Stream.STDOUT, "from b");
        logs.close("a");
        logs.close("b");

        assertThat(drain(logs.read("a", false))).containsExactly("from a");
        assertThat(drain(logs.read("b", false))).containsExactly("from b");
    }

    @Test
    void theLogDirectoryIsCreatedWhenMissing() {
        store();

        assertThat(dir.resolve("logs")).isDirectory();
    }

    private LogStore store() {
        return new LogStore(dir.resolve("logs"), Clock.fixed(T0, ZoneOffset.UTC));
    }

    /** Every line up to the end; fails if the end does not come. */
    static List<String> drain(LogSubscription subscription) throws InterruptedException {
        List<String> lines = new ArrayList<>();
        while (true) {
            switch (subscription.next(WAIT)) {
                case LogSubscription.Next.Line(LogEvent event) -> lines.add(event.line());
                case LogSubscription.Next.End() -> {
                    return lines;
                }
                case LogSubscription.Next.Idle() -> throw new AssertionError("no end within " + WAIT + " after " + lines);
            }
        }
    }
}
