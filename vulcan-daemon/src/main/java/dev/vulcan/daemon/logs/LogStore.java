package dev.vulcan.daemon.logs;

import dev.vulcan.api.Json;
import dev.vulcan.api.LogEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import tools.jackson.databind.json.JsonMapper;

/**
 * One log file per workload run (JSON lines of {@link LogEvent}), plus live followers for the
 * runs still going.
 */
public final class LogStore {

    private final Path dir;
    private final Clock clock;
    private final JsonMapper json = Json.mapper();
    private final ConcurrentMap<String, LiveLog> live = new ConcurrentHashMap<>();

    public LogStore(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create log dir " + dir, e);
        }
    }

    /** Starts the log of a run; lines written to it are stored and sent to followers. */
    public LiveLog open(String id) {
        LiveLog log = new LiveLog(file(id), clock, json);
        live.put(id, log);
        return log;
    }

    /** Ends the log of a run: followers see the end. */
    public void close(String id) {
        LiveLog log = live.remove(id);
        if (log != null) {
            log.close();
        }
    }

    /**
     * The stored lines of a run and, when follow is set and the run is live, a subscription to the
     * lines still to come.
     */
    public LogSubscription read(String id, boolean follow) {
        LiveLog log = live.get(id);
        if (log == null) {
            return LogSubscription.finished(stored(id));
        }
        // A live run is read from memory: its file may end in a half-written line.
        return follow ? log.subscribe() : LogSubscription.finished(log.snapshot());
    }

    private List<LogEvent> stored(String id) {
        try {
            return Files.readAllLines(file(id)).stream()
                    .filter(line -> !line.isBlank())
                    .map(line -> json.readValue(line, LogEvent.class))
                    .toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path file(String id) {
        return dir.resolve(id + ".log");
    }
}
