package dev.vulcan.daemon.backend;

/** Where a backend sends the lines an execution writes. Must be thread-safe. */
public interface LogSink {

    enum Stream { STDOUT, STDERR }

    void line(Stream stream, String line);
}
