package dev.vulcan.daemon.backend.oci;

import dev.vulcan.api.LogEvent;
import dev.vulcan.daemon.backend.InstanceDriver;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads conmon's k8s-file log: one line per chunk, {@code TIME STREAM F|P TEXT}, where P marks a partial
 * line that the next chunk of the same stream continues. Only whole lines are returned; a read that ends
 * inside a partial line resumes at its start.
 */
final class ConmonLog {

    private static final int MAX_CHUNK = 1 << 20;

    private ConmonLog() {}

    static InstanceDriver.LogChunk read(Path file, long from) throws IOException {
        // a shorter file than the offset was truncated or replaced: start again (LogWindow.start)
        dev.vulcan.daemon.backend.LogWindow window = dev.vulcan.daemon.backend.LogWindow.read(file, from, MAX_CHUNK);
        if (window.isEmpty()) {
            return new InstanceDriver.LogChunk(List.of(), window.start());
        }
        byte[] bytes = window.bytes();
        List<LogEvent> events = new ArrayList<>();
        StringBuilder partial = new StringBuilder();
        long resume = from;
        long partialStart = -1;
        int lineStart = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') continue;
            String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
            long lineOffset = from + lineStart;
            lineStart = i + 1;
            String[] parts = line.split(" ", 4);
            if (parts.length < 3) continue;
            String text = parts.length == 4 ? parts[3] : "";
            if (parts[2].equals("P")) {
                if (partialStart < 0) partialStart = lineOffset;
                partial.append(text);
                continue;
            }
            events.add(new LogEvent(time(parts[0]), parts[1], partial + text));
            partial.setLength(0);
            partialStart = -1;
            resume = from + lineStart;
        }
        return new InstanceDriver.LogChunk(events, partialStart >= 0 ? partialStart : resume);
    }

    private static java.time.Instant time(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
