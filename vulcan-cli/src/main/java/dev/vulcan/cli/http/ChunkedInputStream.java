package dev.vulcan.cli.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Undoes Transfer-Encoding: chunked (RFC 9112 section 7.1); extensions and trailers are dropped. */
final class ChunkedInputStream extends BodyInputStream {
    private boolean started;
    private boolean done;

    ChunkedInputStream(InputStream in) {
        super(in, 0);
    }

    @Override
    EOFException cutShort() {
        return new EOFException("connection closed in the middle of a chunk");
    }

    /** Moves to the next chunk; false once the last (empty) chunk and the trailers are read. */
    @Override
    boolean more() throws IOException {
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
