package dev.vulcan.daemon.net.subtree;

import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.subtree.Delegation.RouteState;
import dev.vulcan.daemon.store.Database;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's {@link NodeSubtree}: hands each child node the lowest free nibble, records it, and
 * routes the child's prefix via its uplink on the bridge. The plan depends only on the order of
 * delegations and releases, so the same operations always give the same prefixes.
 *
 * <p>A delegation is recorded before its route is installed; if installing fails the record is
 * removed again, except when the bridge does not exist yet: then the delegation stays with its
 * route pending and {@link #reconcile} (at start-up, and again once the bridge exists) installs it.
 */
public final class SubtreeAllocator {

    private static final Logger log = LoggerFactory.getLogger(SubtreeAllocator.class);
    /** The same rule as instance names: a child node is named like an instance. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");
    private static final RouteState NOT_YET = new RouteState.Pending("not installed since the daemon started");

    private final NodeSubtree subtree;
    private final DelegationRepository rows;
    private final Routes routes;
    private final String bridge;
    private final Clock clock;
    /** The last known route state per child; guarded by this. */
    private final Map<String, RouteState> states = new HashMap<>();

    /** @param bridge the device the node's own /64 lives on and the children's uplinks attach to */
    public SubtreeAllocator(NodeSubtree subtree, Database database, Routes routes, String bridge, Clock clock) {
        this.subtree = subtree;
        this.rows = new DelegationRepository(database);
        this.routes = routes;
        this.bridge = bridge;
        this.clock = clock;
    }

    public NodeSubtree subtree() {
        return subtree;
    }

    public String bridge() {
        return bridge;
    }

    /**
     * The child's delegation: the existing one if it has one (its route retried if pending), else
     * the lowest free nibble. Refused with {@code subtree_exhausted} once all 15 are taken.
     */
    public synchronized Delegation delegate(String child) {
        if (child == null || !NAME.matcher(child).matches()) {
            throw new InvalidException("invalid_name", "a child name is 1-63 letters, digits, '_', '.' or '-',"
                    + " starting with a letter or digit" + (child == null ? " (it is required)" : ": " + child));
        }
        Optional<DelegationRepository.Row> existing = rows.byChild(child);
        if (existing.isPresent()) {
            DelegationRepository.Row row = existing.get();
            if (state(row) instanceof RouteState.Pending) {
                states.put(child, tryInstall(row));
            }
            return delegation(row);
        }
        boolean[] taken = new boolean[NodeSubtree.CHILDREN + 1];
        rows.all().forEach(r -> taken[r.nibble()] = true);
        int nibble = 1;
        while (nibble <= NodeSubtree.CHILDREN && taken[nibble]) {
            nibble++;
        }
        if (nibble > NodeSubtree.CHILDREN) {
            throw new ConflictException("subtree_exhausted", "all " + NodeSubtree.CHILDREN + " child prefixes of "
                    + subtree + " are delegated; release one first");
        }
        DelegationRepository.Row row = new DelegationRepository.Row(child, nibble, subtree.childPrefix(nibble),
                subtree.uplink(nibble), clock.instant());
        rows.insert(row);
        try {
            routes.replace(row.prefix(), row.uplink(), bridge);
            states.put(child, new RouteState.Installed());
        } catch (Routes.MissingDeviceException e) {
            states.put(child, new RouteState.Pending(e.getMessage()));
            log.atWarn().addKeyValue("child", child).addKeyValue("prefix", row.prefix()).addKeyValue("reason", e.getMessage())
                    .log("delegated, route pending until the bridge exists");
        } catch (IOException | RuntimeException e) {
            rows.delete(child);
            throw new UnavailableException("route_failed", "cannot route " + row.prefix() + " via "
                    + IpPrefix.text(row.uplink()) + ": " + e.getMessage());
        }
        log.atInfo().addKeyValue("child", child).addKeyValue("prefix", row.prefix())
                .addKeyValue("uplink", IpPrefix.text(row.uplink())).log("subtree delegated");
        return delegation(row);
    }

    /** Removes the child's route, then its record; its nibble is free again (lowest first). */
    public synchronized void release(String child) {
        DelegationRepository.Row row = rows.byChild(child).orElseThrow(() -> new NotFoundException(
                "delegation_not_found", "no delegation to a child named " + child));
        try {
            routes.delete(row.prefix(), row.uplink(), bridge);
        } catch (IOException e) {
            throw new UnavailableException("route_failed", "cannot remove the route to " + row.prefix() + ": "
                    + e.getMessage());
        }
        rows.delete(child);
        states.remove(child);
        log.atInfo().addKeyValue("child", child).addKeyValue("prefix", row.prefix()).log("subtree released");
    }

    /** Every delegation, by nibble. */
    public synchronized List<Delegation> list() {
        return rows.all().stream().map(this::delegation).toList();
    }

    /**
     * Installs the route of every recorded delegation again ({@code replace}: idempotent). Never
     * throws for a route: a failure leaves that delegation pending, to be retried by the next call.
     */
    public synchronized List<Delegation> reconcile() {
        for (DelegationRepository.Row row : rows.all()) {
            RouteState state = stale(row).<RouteState>map(RouteState.Stale::new).orElseGet(() -> tryInstall(row));
            states.put(row.child(), state);
            switch (state) {
                case RouteState.Installed i -> { }
                case RouteState.Pending p -> log.atWarn().addKeyValue("child", row.child())
                        .addKeyValue("prefix", row.prefix()).addKeyValue("reason", p.reason()).log("route pending");
                case RouteState.Stale s -> log.atWarn().addKeyValue("child", row.child())
                        .addKeyValue("prefix", row.prefix()).addKeyValue("reason", s.reason())
                        .log("delegation outside the configured subtree is not routed; release it");
            }
        }
        return list();
    }

    private RouteState tryInstall(DelegationRepository.Row row) {
        try {
            routes.replace(row.prefix(), row.uplink(), bridge);
            return new RouteState.Installed();
        } catch (IOException | RuntimeException e) {
            return new RouteState.Pending(e.getMessage());
        }
    }

    private RouteState state(DelegationRepository.Row row) {
        Optional<String> stale = stale(row);
        return stale.isPresent() ? new RouteState.Stale(stale.get()) : states.getOrDefault(row.child(), NOT_YET);
    }

    /** Why a recorded delegation does not fit the configured subtree (it was made under another one). */
    private Optional<String> stale(DelegationRepository.Row row) {
        if (row.prefix().equals(subtree.childPrefix(row.nibble())) && row.uplink().equals(subtree.uplink(row.nibble()))) {
            return Optional.empty();
        }
        return Optional.of(row.prefix() + " is not child " + row.nibble() + " of the configured subtree " + subtree);
    }

    private Delegation delegation(DelegationRepository.Row row) {
        return new Delegation(row.child(), row.nibble(), row.prefix(), row.uplink(), row.createdAt(), state(row));
    }
}
