package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.net.IpPrefix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts a microVM on the network a sandbox joined, the way Kata Containers does: the network service already
 * made the sandbox's namespace with the CNI interface ({@code eth0}: addresses, MAC, published ports) in it;
 * here a TAP is added to that namespace and tied to {@code eth0} both ways with tc (every frame arriving on one
 * leaves through the other), QEMU runs in the namespace on that TAP with {@code eth0}'s MAC, and the guest
 * takes {@code eth0}'s addresses and routes. The bridge, IPAM, DNS and port mapping see the same interface as
 * for a container. The TAP and filters live in the namespace, so deleting it (the network service's detach)
 * removes them too: nothing to record or sweep here.
 */
public final class VmNetwork {

    /** The TAP's name inside the sandbox's namespace (its own namespace: no clash between VMs). */
    static final String TAP = "tap0";
    /** The guest's interface: the first (and only) network card, named by a kernel without udev. */
    static final String GUEST_IF = "eth0";
    /**
     * A filter that takes every frame: u32 with an empty mask (what Kata used before matchall), because kernels
     * without CONFIG_NET_CLS_MATCHALL (this machine kind's) have u32 but not matchall.
     */
    static final String MATCH_ALL = "protocol all u32 match u32 0 0";
    private static final Duration DEADLINE = Duration.ofSeconds(15);
    /** Where the agent mounts the image's rootfs ({@link AgentClient#mountRootfs}). */
    public static final String ROOTFS = "/rootfs";

    private final ProcessRunner processes;

    public VmNetwork(ProcessRunner processes) {
        this.processes = processes;
    }

    /**
     * Makes the TAP in the join's namespace and the tc redirects between it and the sandbox's interface
     * (once: a second call for the same namespace, e.g. a restarted VM, finds them there), and returns the card
     * to put in {@link VmSpec#nic()}. Fails when the join does not describe its interface.
     */
    public VmNic prepare(NetworkJoin join) throws IOException {
        NetworkJoin.Nic nic = requireNic(join);
        processes.check(prepareCommand(join.netns(), nic.name()));
        return new VmNic(join.netns(), TAP, nic.mac());
    }

    /** One process tree: a shell in the namespace runs ip and tc (each fork costs; one nsenter, one sh). */
    static List<String> prepareCommand(Path netns, String iface) {
        String script = "ip link show dev " + TAP + " > /dev/null 2>&1 && exit 0; "
                + "ip tuntap add dev " + TAP + " mode tap"
                + " && ip link set dev " + TAP + " up"
                + " && tc qdisc add dev " + iface + " ingress"
                + " && tc filter add dev " + iface + " parent ffff: " + MATCH_ALL + " action mirred egress redirect dev " + TAP
                + " && tc qdisc add dev " + TAP + " ingress"
                + " && tc filter add dev " + TAP + " parent ffff: " + MATCH_ALL + " action mirred egress redirect dev " + iface;
        return List.of(VmNic.NSENTER.toString(), "--net=" + netns, "/bin/sh", "-c", script);
    }

    private static NetworkJoin.Nic requireNic(NetworkJoin join) throws IOException {
        NetworkJoin.Nic nic = join.nic();
        if (nic == null) {
            throw new IOException("the network attachment in " + join.netns() + " does not describe its interface (no MAC"
                    + " in the CNI result): a microVM cannot take it over");
        }
        return nic;
    }

    /**
     * Runs {@link #guestCommand} in the guest (after {@link AgentClient#mountRootfs} when {@code root} is
     * {@link #ROOTFS}); fails with what the guest's shell said.
     */
    public static void configureGuest(AgentClient agent, NetworkJoin join, String root, Duration deadline) throws IOException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        CommandResult r = agent.exec(guestCommand(join, root).withTimeout(deadline), (stream, chunk) -> {
            if (output.size() < 4096) {
                output.writeBytes(chunk);
            }
        }, deadline.plusSeconds(5));
        if (!r.succeeded()) {
            throw new IOException("cannot configure the guest's network: " + r.kind() + " " + r.code() + " " + r.message()
                    + " " + output.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /**
     * The one guest command (in the initramfs, not chrooted) that gives the guest the sandbox's addresses,
     * default routes and host name, and writes the network's files (resolv.conf, hosts, hostname) into
     * {@code root}'s /etc: "/rootfs" once the agent mounted the image's rootfs, "" for the initramfs itself.
     * Duplicate address detection is off as in the namespace (the address is the sandbox's own; checking would
     * hold IPv6 back for a second). Every fork costs under emulation: only {@code ip} runs as its own process.
     */
    public static CommandRequest guestCommand(NetworkJoin join, String root) throws IOException {
        NetworkJoin.Nic nic = requireNic(join);
        if (!root.isEmpty() && !root.matches("/[A-Za-z0-9/._-]*[^/]")) {
            throw new IllegalArgumentException("bad guest root " + root);
        }
        boolean ipv6 = nic.addresses().stream().anyMatch(a -> a.ip() instanceof Inet6Address);
        List<String> lines = new ArrayList<>();
        lines.add("set -e");
        if (ipv6) {
            lines.add("echo 0 > /proc/sys/net/ipv6/conf/" + GUEST_IF + "/accept_dad");
        }
        lines.add("ip link set dev lo up"); // as in a container: servers on localhost work
        lines.add("ip link set dev " + GUEST_IF + " up");
        for (NetworkJoin.Address a : nic.addresses()) {
            lines.add("ip addr add " + IpPrefix.text(a.ip()) + "/" + a.prefixLength() + " dev " + GUEST_IF);
        }
        for (InetAddress gateway : nic.gateways()) {
            lines.add("ip " + (gateway instanceof Inet6Address ? "-6 route add ::/0" : "route add 0.0.0.0/0") + " via "
                    + IpPrefix.text(gateway) + " dev " + GUEST_IF);
        }
        lines.add("printf %s \"$2\" > /proc/sys/kernel/hostname");
        // pairs of (path under /etc, content): a symlink (resolv.conf often is one) is replaced, not followed
        lines.add("r=$1; shift 2; while [ $# -gt 1 ]; do f=$r$1; [ -d \"${f%/*}\" ] || mkdir -p \"${f%/*}\";"
                + " if [ -L \"$f\" ]; then rm -f \"$f\"; fi; printf %s \"$2\" > \"$f\"; shift 2; done");
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", String.join("\n", lines), "sh", root, join.hostname()));
        for (InstanceDriver.Mount file : join.files()) {
            argv.add(file.destination());
            argv.add(Files.readString(file.source()));
        }
        return new CommandRequest(argv, Map.of(), "/", DEADLINE, null, false);
    }
}
