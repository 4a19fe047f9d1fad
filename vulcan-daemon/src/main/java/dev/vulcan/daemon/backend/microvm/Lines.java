package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.LogSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Turns one stream's output chunks into log lines (the agent sends chunks, not lines). Not thread-safe. */
final class Lines {

    /** A line longer than this is logged in pieces, so a stream without newlines cannot grow the buffer. */
    static final int MAX_LINE = 64 * 1024;

    private final LogSink.Stream stream;
    private final LogSink sink;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    Lines(LogSink.Stream stream, LogSink sink) {
        this.stream = stream;
        this.sink = sink;
    }

    void accept(byte[] chunk) {
        for (byte b : chunk) {
            if (b == '\n') {
                emit();
            } else {
                partial.write(b);
                if (partial.size() >= MAX_LINE) {
                    emit();
                }
            }
        }
    }

    /** The last line, if it had no newline. */
    void finish() {
        if (partial.size() > 0) {
            emit();
        }
    }

    private void emit() {
        sink.line(stream, partial.toString(StandardCharsets.UTF_8));
        partial.reset();
    }
}
