package dev.vulcan.daemon.net.cni;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.error.InvalidException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Named network namespaces (the {@code ip netns} kind, bound under /run/netns) for CNI_NETNS. */
public interface NetworkNamespaces {

    Path RUN_NETNS = Path.of("/run/netns");

    /**
     * Creates the namespace with loopback up and IPv6 duplicate address detection off (CNI's bridge plugin
     * otherwise waits ~2 s for every new address to leave the tentative state) and returns its path.
     */
    Path create(String name) throws IOException;

    /** Deletes the namespace; deleting one that does not exist is not an error. */
    void delete(String name) throws IOException;

    /** The names of the existing namespaces that start with {@code prefix}. */
    List<String> list(String prefix) throws IOException;

    static Path path(String name) {
        return RUN_NETNS.resolve(checkName(name));
    }

    static String checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}")) {
            throw new InvalidException("invalid_netns", "network namespace name '" + name
                    + "' must be 1-64 letters, digits, '_', '.' or '-' and start with a letter or digit");
        }
        return name;
    }

    /** The real one, through iproute2's {@code ip netns}. */
    final class Ip implements NetworkNamespaces {
        private static final Duration DEADLINE = Duration.ofSeconds(10);
        private final ProcessRunner processes;

        public Ip(ProcessRunner processes) {
            this.processes = processes;
        }

        @Override
        public Path create(String name) throws IOException {
            Path path = path(name);
            run(List.of("ip", "netns", "add", name));
            try {
                run(List.of("ip", "-n", name, "link", "set", "lo", "up"));
                // accept_dad=0 must be in place before the interface exists: "default" covers the CNI eth0.
                run(List.of("ip", "netns", "exec", name, "sysctl", "-q", "-w",
                        "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"));
            } catch (IOException e) {
                try {
                    delete(name);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            return path;
        }

        @Override
        public void delete(String name) throws IOException {
            Path path = path(name);
            if (!Files.exists(path)) {
                return;
            }
            ProcessRunner.Result r = processes.run(List.of("ip", "netns", "delete", name), DEADLINE);
            // A concurrent delete may win the race; only a namespace that is still there is a failure.
            if (r.exitCode() != 0 && Files.exists(path)) {
                throw new IOException("ip netns delete " + name + " failed (exit " + r.exitCode() + "): " + r.output().strip());
            }
        }

        @Override
        public List<String> list(String prefix) throws IOException {
            List<String> names = new ArrayList<>();
            // Lines look like "NAME" or "NAME (id: 3)".
            for (String line : run(List.of("ip", "netns", "list")).split("\\R")) {
                String name = line.strip().split("\\s+", 2)[0];
                if (!name.isEmpty() && name.startsWith(prefix)) {
                    names.add(name);
                }
            }
            return names;
        }

        private String run(List<String> argv) throws IOException {
            ProcessRunner.Result r = processes.run(argv, DEADLINE);
            if (r.exitCode() != 0) {
                throw new IOException(String.join(" ", argv) + " failed (exit " + r.exitCode() + "): " + r.output().strip());
            }
            return r.output();
        }
    }
}
