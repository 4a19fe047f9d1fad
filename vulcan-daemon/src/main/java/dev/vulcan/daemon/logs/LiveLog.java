package dev.vulcan.daemon.logs;

import dev.vulcan.api.LogEvent;
import dev.vulcan.daemon.backend.LogSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;

/**
 * The log of a run in progress. Writing a line and subscribing share one lock, so a follower sees
 * every line exactly once: the ones before it subscribed as history, the rest live.
 */
public final class LiveLog implements LogSink {

    private final Clock clock;
    private final JsonMapper json;
    private final Path file;
    private BufferedWriter writer;
    private final List<LogEvent> history = new ArrayList<>();
    private final List<LogSubscription> followers = new ArrayList<>();
    private boolean closed;

    LiveLog(Path file, Clock clock, JsonMapper json) {
        this.clock = clock;
        this.json = json;
        this.file = file;
    }

    @Override
    public synchronized void line(Stream stream, String line) {
        if (closed) {
            return;
        }
        LogEvent event = new LogEvent(clock.instant(), stream.name().toLowerCase(Locale.ROOT), line);
        try {
            // Created on the first line: most workloads print nothing, and a file costs a create.
            if (writer == null) {
                writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            }
            writer.write(json.writeValueAsString(event));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            // A full disk must not fail the workload; the live followers still get the line.
        }
        history.add(event);
        followers.forEach(f -> f.offer(event));
    }

    synchronized LogSubscription subscribe() {
        LogSubscription subscription = LogSubscription.live(List.copyOf(history), this::unsubscribe);
        if (closed) {
            subscription.end();
        } else {
            followers.add(subscription);
        }
        return subscription;
    }

    synchronized List<LogEvent> snapshot() {
        return List.copyOf(history);
    }

    private synchronized void unsubscribe(LogSubscription subscription) {
        followers.remove(subscription);
    }

    synchronized void close() {
        closed = true;
        followers.forEach(LogSubscription::end);
        followers.clear();
        // history stays: a reader that found this log live just before it closed still gets it.
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (IOException e) {
            // nothing left to save
        }
    }
}
