package dev.vulcan.cli.http;

/**
 * One server-sent event.
 *
 * @param event the event type ("message" when the server named none)
 * @param data  the data lines joined with LF
 * @param id    the last event id seen on the stream, or empty
 */
public record SseEvent(String event, String data, String id) {}
