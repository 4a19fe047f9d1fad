package dev.vulcan.daemon.backend.isolate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * The last lines a host process wrote to stdout and stderr. Workers can write there too, so
 * lines are cut at a fixed length and only a few are kept: a chatty workload cannot grow it.
 */
final class OutputTail {

    static final int MAX_LINES = 30;
    static final int MAX_LINE_BYTES = 2048;

    private final Deque<String> lines = new ArrayDeque<>();
    private volatile boolean sawOutOfMemory;

    /** Reads the stream to its end, keeping the tail and handing each line to the consumer. */
    void drain(InputStream in, Consumer<String> each) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        flush(line, each);
                    } else if (line.size() < MAX_LINE_BYTES) {
                        line.write(buffer[i]);
                    }
                }
            }
        } catch (IOException ended) {
            // the process is gone; what was read is the tail
        }
        if (line.size() > 0) {
            flush(line, each);
        }
    }

    private void flush(ByteArrayOutputStream line, Consumer<String> each) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.contains("Fatal JavaScript out of memory") || text.contains("Reached heap limit")) {
            sawOutOfMemory = true;
        }
        synchronized (this) {
            if (lines.size() == MAX_LINES) {
                lines.removeFirst();
            }
            lines.addLast(text);
        }
        each.accept(text);
    }

    /** The last few lines, oldest first. */
    synchronized String text(int maxLines) {
        return String.join("\n", lines.stream().skip(Math.max(0, lines.size() - maxLines)).toList());
    }

    /** Whether V8 reported running out of heap; kept apart because its stack trace follows. */
    boolean sawOutOfMemory() {
        return sawOutOfMemory;
    }
}
