package dev.vulcan.cli.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a text/event-stream into {@link SseEvent}s as the bytes arrive, following the WHATWG
 * event-stream interpretation: lines end with CRLF, LF or CR, a blank line dispatches, lines
 * starting with ':' are comments. Bytes may be fed in pieces split anywhere, even inside a
 * UTF-8 character.
 */
public final class SseParser {

    /** Receives each event; returns false to stop reading. */
    @FunctionalInterface
    public interface Listener {
        boolean onEvent(SseEvent event) throws IOException;
    }

    private final Listener listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String eventType = "";
    private String lastEventId = "";
    private boolean afterCr;
    private boolean stopped;

    public SseParser(Listener listener) {
        this.listener = listener;
    }

    /**
     * Reads the stream to its end, handing each event to the listener as soon as its blank line
     * has arrived. Returns false if the listener stopped it, true if the stream ended.
     */
    public static boolean read(InputStream in, Listener listener) throws IOException {
        SseParser parser = new SseParser(listener);
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) != -1) {
            if (!parser.feed(buffer, 0, n)) {
                return false;
            }
        }
        parser.finish();
        return !parser.stopped;
    }

    /** Parses more bytes; returns false once the listener has asked to stop. */
    public boolean feed(byte[] bytes, int offset, int length) throws IOException {
        for (int i = offset; i < offset + length && !stopped; i++) {
            byte b = bytes[i];
            if (b == '\n' && afterCr) {
                afterCr = false; // the LF of a CRLF: the line already ended at the CR
                continue;
            }
            afterCr = b == '\r';
            if (b == '\r' || b == '\n') {
                endLine();
            } else {
                if (line.size() == UnixHttpClient.MAX_LINE * 16) {
                    throw new IOException("event-stream line too long");
                }
                line.write(b);
            }
        }
        return !stopped;
    }

    /** The stream ended: an incomplete last event is dropped, as the spec says. */
    public void finish() {
        line.reset();
        data.setLength(0);
        hasData = false;
        eventType = "";
    }

    private void endLine() throws IOException {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        if (text.charAt(0) == ':') {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = "";
        if (colon >= 0) {
            int start = colon + 1 < text.length() && text.charAt(colon + 1) == ' ' ? colon + 2 : colon + 1;
            value = text.substring(start);
        }
        switch (field) {
            case "event" -> eventType = value;
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value;
                }
            }
            default -> { } // retry and unknown fields mean nothing to a one-shot client
        }
    }

    private void dispatch() throws IOException {
        if (hasData) {
            SseEvent event = new SseEvent(eventType.isEmpty() ? "message" : eventType, data.toString(), lastEventId);
            if (!listener.onEvent(event)) {
                stopped = true;
            }
        }
        data.setLength(0);
        hasData = false;
        eventType = "";
    }
}
