package dev.vulcan.cli.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Undoes Transfer-Encoding: chunked (RFC 9112 section 7.1); extensions and trailers are dropped. */
final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;
    private boolean started;
    private boolean done;

    ChunkedInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (remaining == 0 && !nextChunk()) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n == -1) {
            throw new EOFException("connection closed in the middle of a chunk");
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return done ? 0 : (int) Math.min(in.available(), remaining);
    }

    /** Moves to the next chunk; false once the last (empty) chunk and the trailers are read. */
    private boolean nextChunk() throws IOException {
        if (done) {
            return false;
        }
        if (started) {
            String end = UnixHttpClient.readLine(in);
            if (end == null || !end.isEmpty()) {
                throw new IOException("malformed chunked body: no CRLF after a chunk");
            }
        }
        started = true;
        String line = UnixHttpClient.readLine(in);
        if (line == null) {
            throw new EOFException("connection closed before the last chunk");
        }
        int semicolon = line.indexOf(';');
        String size = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
        try {
            remaining = Long.parseLong(size, 16);
        } catch (NumberFormatException e) {
            throw new IOException("malformed chunk size: " + size);
        }
        if (remaining < 0) {
            throw new IOException("malformed chunk size: " + size);
        }
        if (remaining == 0) {
            UnixHttpClient.readHeaders(in); // trailers
            done = true;
            return false;
        }
        return true;
    }
}
