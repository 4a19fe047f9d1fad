package dev.vulcan.daemon.net;

import dev.vulcan.daemon.net.cni.NetworkNamespaces;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/** Network namespaces as a set of names; nothing is made on the host. */
final class FakeNamespaces implements NetworkNamespaces {

    final Set<String> names = new ConcurrentSkipListSet<>();
    /** Makes the next create fail after nothing was made. */
    boolean failCreate;

    @Override
    public Path create(String name) throws IOException {
        if (failCreate) throw new IOException("ip netns add " + name + " failed (fake)");
        names.add(name);
        return NetworkNamespaces.path(name);
    }

    @Override
    public void delete(String name) {
        names.remove(name);
    }

    @Override
    public List<String> list(String prefix) {
        return names.stream().filter(n -> n.startsWith(prefix)).toList();
    }
}
