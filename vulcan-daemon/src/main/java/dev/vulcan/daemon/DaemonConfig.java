package dev.vulcan.daemon;

import java.net.InetSocketAddress;
import dev.vulcan.daemon.image.RegistryTrust;
import dev.vulcan.daemon.net.NetworkConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the daemon is told at start-up.
 *
 * @param home       the Vulcan installation (repository root): isolate-host/ lives there
 * @param listen     TCP address for the API, or null for the unix socket only
 * @param nodeName   this node's name, or null for the host name
 * @param isolateHosts Deno host processes per memory class
 * @param registries which registries image pulls trust how; the daemon adds STATE_DIR/certs.d to its CA dirs
 * @param baseImages the directory scripts/base-images writes the code runtimes' image archives to
 * @param network    the node's network layout, its IPv6 subtree (own networks and child nodes' prefixes) included
 * @param vmImages   the directory scripts/vm-images writes the microVM kernel and initramfs to
 */
public record DaemonConfig(Path home, Path stateDir, Path socket, InetSocketAddress listen, String nodeName,
        Path deno, int isolateHosts, RegistryTrust registries, Path baseImages, NetworkConfig network, Path vmImages) {

    public Path isolateHostDir() {
        return home.resolve("isolate-host");
    }

    public Path denoBinary() {
        return deno != null ? deno : isolateHostDir().resolve("node_modules/@deno/linux-x64-glibc/deno");
    }

    /** Docker-style per-registry CAs: STATE_DIR/certs.d/HOST:PORT/*.crt, then the configured dirs. */
    public RegistryTrust registryTrust() {
        List<Path> caDirs = new ArrayList<>();
        caDirs.add(stateDir.resolve("certs.d"));
        caDirs.addAll(registries.caDirs());
        return new RegistryTrust(registries.insecure(), registries.loopbackInsecure(), caDirs);
    }

    public Path runDir() {
        return stateDir.resolve("run");
    }
}
