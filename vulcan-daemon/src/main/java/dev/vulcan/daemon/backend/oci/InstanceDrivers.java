package dev.vulcan.daemon.backend.oci;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.ExecProcess;
import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.InstanceDriver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The instance driver of each isolation (container: crun/runc, gvisor: runsc, microvm: QEMU) behind one
 * {@link InstanceDriver}: a run starts with the isolation its launch names; every later call goes to the driver
 * whose root holds the instance (each keeps its instances under its own state dir), so a restarted daemon finds
 * each instance's driver without the database.
 */
public final class InstanceDrivers implements InstanceDriver {

    private final Map<Isolation, InstanceDriver> drivers;

    /** Needs a driver for {@link Isolation#CONTAINER}, the isolation of instances that name none. */
    public InstanceDrivers(Map<Isolation, InstanceDriver> drivers) {
        if (!drivers.containsKey(Isolation.CONTAINER)) {
            throw new IllegalArgumentException("an instance driver for isolation container is required");
        }
        this.drivers = new EnumMap<>(drivers);
    }

    /** The isolations instances can use on this node. */
    public Set<Isolation> isolations() {
        return drivers.keySet();
    }

    /** Starts watching every driver's exits. */
    @Override
    public void watch() throws IOException {
        for (InstanceDriver d : drivers.values()) {
            d.watch();
        }
    }

    private InstanceDriver of(String id) {
        for (InstanceDriver d : drivers.values()) {
            if (d.has(id)) return d;
        }
        return drivers.get(Isolation.CONTAINER);
    }

    @Override
    public long start(String id, Launch launch) throws IOException {
        InstanceDriver driver = drivers.get(launch.isolation());
        if (driver == null) {
            throw new IllegalArgumentException("instances cannot use isolation " + launch.isolation().wire());
        }
        for (var other : drivers.entrySet()) {
            if (other.getValue() != driver && other.getValue().has(id)) {
                // an instance keeps its isolation; a leftover of another one must not shadow this run
                throw new IOException("instance " + id + " already has state under isolation " + other.getKey().wire());
            }
        }
        return driver.start(id, launch);
    }

    @Override
    public void signal(String id, String signal) throws IOException {
        of(id).signal(id, signal);
    }

    @Override
    public RunState state(String id) throws IOException {
        return of(id).state(id);
    }

    @Override
    public void release(String id) throws IOException {
        of(id).release(id);
    }

    @Override
    public void remove(String id) throws IOException {
        of(id).remove(id);
    }

    @Override
    public Set<String> known() throws IOException {
        Set<String> all = new HashSet<>();
        for (InstanceDriver d : drivers.values()) {
            all.addAll(d.known());
        }
        return all;
    }

    @Override
    public ExecProcess exec(String id, ExecSpec spec) throws IOException {
        return of(id).exec(id, spec);
    }

    @Override
    public ExecProcess console(String id) throws IOException {
        return of(id).console(id);
    }

    @Override
    public void onExit(Consumer<String> listener) {
        drivers.values().forEach(d -> d.onExit(listener));
    }

    @Override
    public LogChunk logs(String id, long from) throws IOException {
        return of(id).logs(id, from);
    }

    @Override
    public void close() {
        List<InstanceDriver> order = new ArrayList<>(drivers.values());
        java.util.Collections.reverse(order);
        order.forEach(InstanceDriver::close);
    }
}
