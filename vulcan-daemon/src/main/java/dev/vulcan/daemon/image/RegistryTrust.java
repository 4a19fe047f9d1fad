package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which registries the daemon trusts how, as Docker does. A registry is spoken to over HTTPS,
 * verified against the JDK's CAs plus Docker-style per-registry CAs ({@code <caDir>/<host:port>/*.crt}).
 * An insecure registry (listed, or on loopback when {@code loopbackInsecure}) may instead serve
 * plain HTTP or HTTPS with a certificate nobody vouches for.
 *
 * @param insecure         HOST or HOST:PORT entries; a bare HOST covers every port
 * @param loopbackInsecure treat localhost, 127.0.0.0/8 and [::1] as insecure (Docker's default)
 * @param caDirs           directories holding one subdirectory of CA certificates per registry
 */
public record RegistryTrust(Set<String> insecure, boolean loopbackInsecure, List<Path> caDirs) {

    private static final Pattern ENTRY = Pattern.compile("[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\\[[0-9a-fA-F:]+\\](?::[0-9]{1,5})?");

    public RegistryTrust {
        insecure = Set.copyOf(insecure);
        caDirs = List.copyOf(caDirs);
        for (String entry : insecure) {
            if (!ENTRY.matcher(entry).matches()) {
                throw new InvalidException("invalid_insecure_registry",
                        "insecure registry '" + entry + "' must be HOST or HOST:PORT, without a scheme or path");
            }
        }
    }

    /** Verified HTTPS everywhere except loopback: what a store gets without configuration. */
    public static RegistryTrust defaults(Path caDir) {
        return new RegistryTrust(Set.of(), true, List.of(caDir));
    }

    /** Whether plain HTTP or unverified TLS is allowed for this registry (host[:port] of a reference). */
    public boolean isInsecure(String registry) {
        String host = registry.replaceFirst(":[0-9]+$", "");
        boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
        return (loopbackInsecure && loopback) || insecure.contains(registry) || insecure.contains(host);
    }

    /** The CA certificates configured for this registry ({@code *.crt} in each CA dir's subdirectory), in a stable order. */
    public List<Path> caFiles(String registry) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : caDirs) {
            Path forRegistry = dir.resolve(registry.replace('/', '_'));
            if (!Files.isDirectory(forRegistry)) {
                continue;
            }
            try (Stream<Path> list = Files.list(forRegistry)) {
                list.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().forEach(files::add);
            }
        }
        return files;
    }
}
