package dev.vulcan.daemon.net.subtree;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.net.IpPrefix;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The kernel routes to child subtrees: {@code SUBPREFIX via UPLINK dev BRIDGE}. */
public interface Routes {

    /** Installs or overwrites the route (idempotent). */
    void replace(IpPrefix destination, InetAddress via, String device) throws IOException;

    /** Removes the route; a route (or device) that is already gone is not an error. */
    void delete(IpPrefix destination, InetAddress via, String device) throws IOException;

    /** The device the route goes through does not exist (yet): the route stays pending. */
    final class MissingDeviceException extends IOException {
        public MissingDeviceException(String device, String detail) {
            super("device " + device + " does not exist: " + detail);
        }
    }

    /** {@code ip -6 route}, in the caller's network namespace or, for tests, in a named one ({@code ip -n}). */
    final class Ip implements Routes {
        private static final Duration DEADLINE = Duration.ofSeconds(10);

        private final ProcessRunner runner;
        private final String netns;

        /** @param netns a named network namespace, or null for the daemon's own */
        public Ip(ProcessRunner runner, String netns) {
            this.runner = runner;
            this.netns = netns;
        }

        @Override
        public void replace(IpPrefix destination, InetAddress via, String device) throws IOException {
            ProcessRunner.Result result = runner.run(argv("replace", destination, via, device), DEADLINE);
            if (result.exitCode() != 0) {
                throw failure(result, device, "replace", destination);
            }
        }

        @Override
        public void delete(IpPrefix destination, InetAddress via, String device) throws IOException {
            ProcessRunner.Result result = runner.run(argv("del", destination, via, device), DEADLINE);
            if (result.exitCode() == 0) {
                return;
            }
            IOException failure = failure(result, device, "del", destination);
            // "No such process" is the kernel's ESRCH for a route that is not there
            if (!(failure instanceof MissingDeviceException) && !result.output().contains("No such process")) {
                throw failure;
            }
        }

        private List<String> argv(String verb, IpPrefix destination, InetAddress via, String device) {
            List<String> argv = new ArrayList<>(List.of("ip"));
            if (netns != null) {
                argv.addAll(List.of("-n", netns));
            }
            argv.addAll(List.of("-6", "route", verb, destination.toString(), "via", IpPrefix.text(via), "dev", device));
            return argv;
        }

        private static IOException failure(ProcessRunner.Result result, String device, String verb, IpPrefix destination) {
            String output = result.output().strip();
            if (output.contains("Cannot find device")) {
                return new MissingDeviceException(device, output);
            }
            return new IOException("ip -6 route " + verb + " " + destination + " failed (exit " + result.exitCode()
                    + "): " + output);
        }
    }
}
