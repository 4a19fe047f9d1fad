package dev.vulcan.daemon;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Everything the daemon is told at start-up.
 *
 * @param home       the Vulcan installation (repository root): isolate-host/ lives there
 * @param listen     TCP address for the API, or null for the unix socket only
 * @param nodeName   this node's name, or null for the host name
 * @param isolateHosts Deno host processes per memory class
 * @param baseImages the directory scripts/base-images writes the code runtimes' image archives to
 */
public record DaemonConfig(Path home, Path stateDir, Path socket, InetSocketAddress listen, String nodeName,
        Path deno, int isolateHosts, Path baseImages) {

    public Path isolateHostDir() {
        return home.resolve("isolate-host");
    }

    public Path denoBinary() {
        return deno != null ? deno : isolateHostDir().resolve("node_modules/@deno/linux-x64-glibc/deno");
    }

    public Path runDir() {
        return stateDir.resolve("run");
    }
}
