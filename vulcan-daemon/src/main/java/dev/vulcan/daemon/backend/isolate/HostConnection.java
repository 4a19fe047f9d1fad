package dev.vulcan.daemon.backend.isolate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** The daemon's end of one host's unix socket: newline-delimited JSON both ways. */
final class HostConnection implements AutoCloseable {

    private final SocketChannel channel;
    private final BufferedReader reader;
    private final JsonMapper mapper;

    HostConnection(SocketChannel channel, JsonMapper mapper) {
        this.channel = channel;
        this.mapper = mapper;
        this.reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    synchronized void send(HostCommand command) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((HostCommand.toJson(command, mapper) + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** The next event, or null once the host has closed its end. Only the host's supervisor reads. */
    HostEvent read() throws IOException {
        while (true) {
            String line = reader.readLine();
            if (line == null) {
                return null;
            }
            if (line.isBlank()) {
                continue;
            }
            try {
                return HostEvent.parse(mapper.readTree(line));
            } catch (JacksonException e) {
                throw new IOException("isolate host sent a line that is not JSON", e);
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort: the host process is ended right after
        }
    }
}
