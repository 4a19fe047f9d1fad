package dev.vulcan.daemon.backend;

import dev.vulcan.api.Isolation;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The backends this node has, by isolation. Isolations without a backend are reported as
 * unavailable with the reason why.
 */
public final class BackendRegistry implements AutoCloseable {

    private final Map<Isolation, Backend> backends = new EnumMap<>(Isolation.class);
    private final Map<Isolation, String> missing = new EnumMap<>(Isolation.class);

    public BackendRegistry(List<Backend> installed, Map<Isolation, String> notBuilt) {
        installed.forEach(b -> backends.put(b.isolation(), b));
        missing.putAll(notBuilt);
    }

    public Optional<Backend> get(Isolation isolation) {
        return Optional.ofNullable(backends.get(isolation));
    }

    /** Every concrete isolation with either its backend or the reason there is none. */
    public List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        for (Isolation isolation : Isolation.values()) {
            if (isolation != Isolation.AUTO) {
                entries.add(entry(isolation));
            }
        }
        return entries;
    }

    /** One isolation: probes only its own backend (a first probe may run a real sandbox). */
    public Entry entry(Isolation isolation) {
        Backend backend = backends.get(isolation);
        BackendStatus status = backend != null ? backend.probe()
                : new BackendStatus.Unavailable(missing.getOrDefault(isolation, "no backend on this node"));
        return new Entry(isolation, Optional.ofNullable(backend), status);
    }

    public record Entry(Isolation isolation, Optional<Backend> backend, BackendStatus status) {}

    /** Closes backends in reverse order of installation. */
    @Override
    public void close() {
        List<Backend> order = new ArrayList<>(backends.values());
        java.util.Collections.reverse(order);
        order.forEach(Backend::close);
    }
}
