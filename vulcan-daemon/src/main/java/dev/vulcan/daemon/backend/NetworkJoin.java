package dev.vulcan.daemon.backend;

import java.nio.file.Path;
import java.util.List;

/**
 * A network namespace the network service prepared for one sandbox (interfaces, addresses and routes already
 * in it), and the files that describe it to the sandbox: {@code files} maps host files onto /etc/resolv.conf,
 * /etc/hosts and /etc/hostname. A backend runs the sandbox in that namespace instead of a fresh empty one.
 */
public record NetworkJoin(Path netns, String hostname, List<InstanceDriver.Mount> files) {

    public NetworkJoin {
        if (netns == null || !netns.isAbsolute()) throw new IllegalArgumentException("netns path must be absolute: " + netns);
        if (hostname == null || hostname.isBlank()) throw new IllegalArgumentException("hostname is required");
        files = List.copyOf(files);
    }
}
