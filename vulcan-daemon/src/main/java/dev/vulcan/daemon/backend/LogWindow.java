package dev.vulcan.daemon.backend;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes of an instance's log file from a byte offset on, at most {@code max} of them: what the
 * instance drivers parse into log events. {@code start} is where they begin: the offset asked for, or
 * the file's length when the file is shorter (truncated or replaced), so the reader starts again there.
 */
public record LogWindow(long start, byte[] bytes) {

    public static LogWindow read(Path file, long from, int max) throws IOException {
        if (!Files.exists(file)) {
            return new LogWindow(from, new byte[0]);
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            if (from >= length) {
                return new LogWindow(Math.min(from, length), new byte[0]);
            }
            byte[] bytes = new byte[(int) Math.min(length - from, max)];
            raf.seek(from);
            raf.readFully(bytes);
            return new LogWindow(from, bytes);
        }
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }
}
