package dev.vulcan.daemon.backend.microvm;

import java.io.InputStream;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An input stream fed with chunks by one thread (the agent frame reader) and read by another. Unlike
 * PipedInputStream it does not care which threads come and go; {@link #end()} is EOF after what was fed.
 */
final class ChunkPipe extends InputStream {

    private static final byte[] EOF = new byte[0];
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current;
    private int at;
    private boolean ended;

    void feed(byte[] chunk) {
        if (chunk.length > 0) {
            chunks.add(chunk);
        }
    }

    void end() {
        chunks.add(EOF);
    }

    @Override
    public int read() throws java.io.IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws java.io.IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || at == current.length) {
            if (ended) {
                return -1;
            }
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted reading exec output");
            }
            at = 0;
            if (current == EOF) {
                ended = true;
                current = null;
                return -1;
            }
        }
        int n = Math.min(len, current.length - at);
        System.arraycopy(current, at, b, off, n);
        at += n;
        return n;
    }
}
