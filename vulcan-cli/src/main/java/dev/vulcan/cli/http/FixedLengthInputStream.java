package dev.vulcan.cli.http;

import java.io.EOFException;
import java.io.InputStream;

/** A body of Content-Length bytes. */
final class FixedLengthInputStream extends BodyInputStream {

    FixedLengthInputStream(InputStream in, long length) {
        super(in, length);
    }

    @Override
    boolean more() {
        return false;
    }

    @Override
    EOFException cutShort() {
        return new EOFException("connection closed with " + remaining + " bytes of the body missing");
    }
}
