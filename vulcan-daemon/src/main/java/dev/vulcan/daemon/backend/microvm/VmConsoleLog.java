package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.api.LogEvent;
import dev.vulcan.daemon.backend.InstanceDriver;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an instance VM's console log: the raw bytes its terminal showed (QEMU appends them, with or
 * without a client attached). The terminal turns "\n" into "\r\n", so lines end at "\n" with a "\r"
 * dropped; stdout and stderr share the terminal, so every line is "stdout", and there are no times.
 * Only whole lines are returned (a prompt without a newline waits), unless one fills a whole read.
 */
final class VmConsoleLog {

    static final int MAX_CHUNK = 1 << 20;

    private VmConsoleLog() {}

    static InstanceDriver.LogChunk read(Path file, long from) throws IOException {
        dev.vulcan.daemon.backend.LogWindow window = dev.vulcan.daemon.backend.LogWindow.read(file, from, MAX_CHUNK);
        return window.isEmpty() ? new InstanceDriver.LogChunk(List.of(), window.start()) : parse(window.bytes(), from);
    }

    static InstanceDriver.LogChunk parse(byte[] bytes, long from) {
        List<LogEvent> events = new ArrayList<>();
        int lineStart = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                events.add(line(bytes, lineStart, i));
                lineStart = i + 1;
            }
        }
        if (lineStart == 0 && bytes.length == MAX_CHUNK) {
            // one line longer than a read: handed out in pieces rather than never
            events.add(line(bytes, 0, bytes.length));
            lineStart = bytes.length;
        }
        return new InstanceDriver.LogChunk(events, from + lineStart);
    }

    private static LogEvent line(byte[] bytes, int start, int end) {
        int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
        return new LogEvent(null, "stdout", new String(bytes, start, stop - start, StandardCharsets.UTF_8));
    }
}
