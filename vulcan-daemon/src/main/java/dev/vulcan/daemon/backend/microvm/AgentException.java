package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;

/** The guest agent did not answer in time, closed the channel, or broke the protocol. */
public final class AgentException extends IOException {

    public enum Reason { DEADLINE, CLOSED, PROTOCOL }

    private final Reason reason;

    public AgentException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
