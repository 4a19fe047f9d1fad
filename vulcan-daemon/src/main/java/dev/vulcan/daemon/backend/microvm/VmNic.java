package dev.vulcan.daemon.backend.microvm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A VM's network card: QEMU runs inside the sandbox's network namespace {@code netns} and opens the TAP
 * {@code tap} there (made by {@link VmNetwork#prepare}); the guest's virtio-net device carries {@code mac},
 * the MAC of the interface the CNI plugins made, so the bridge sees the guest as that interface.
 */
public record VmNic(Path netns, String tap, String mac) {

    static final Path NSENTER = Path.of("/usr/bin/nsenter");

    public VmNic {
        Objects.requireNonNull(netns, "netns");
        // QEMU's option syntax: commas would split the value, so only the usual characters
        if (!netns.isAbsolute() || !netns.toString().matches("[A-Za-z0-9/._-]+")) {
            throw new IllegalArgumentException("bad netns path " + netns);
        }
        if (tap == null || !tap.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("bad TAP name " + tap);
        }
        if (mac == null || !mac.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw new IllegalArgumentException("bad MAC " + mac);
        }
    }

    /**
     * What goes in front of QEMU's command: nsenter only switches the network namespace and execs (no fork),
     * so QEMU stays the daemon's child and setpriv's parent-death signal still applies.
     */
    public List<String> enter() {
        return List.of(NSENTER.toString(), "--net=" + netns);
    }

    /** The TAP as a netdev and a virtio-net card on the microvm machine's MMIO bus, with the sandbox's MAC. */
    public List<String> qemuArgs() {
        return List.of(
                "-netdev", "tap,id=net0,ifname=" + tap + ",script=no,downscript=no",
                "-device", "virtio-net-device,netdev=net0,mac=" + mac.toLowerCase(java.util.Locale.ROOT));
    }
}
