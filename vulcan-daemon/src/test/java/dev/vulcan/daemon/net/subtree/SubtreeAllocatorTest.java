package dev.vulcan.daemon.net.subtree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.subtree.Delegation.RouteState;
import dev.vulcan.daemon.store.Database;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubtreeAllocatorTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final NodeSubtree ROOT = NodeSubtree.parse("fd00:1000::/20");

    @TempDir
    Path dir;

    private Database database;
    private final FakeRoutes routes = new FakeRoutes();

    private SubtreeAllocator allocator(NodeSubtree subtree, Routes routes) {
        if (database == null) database = Database.open(dir.resolve("vulcan.db"));
        return new SubtreeAllocator(subtree, database, routes, "vulcan0", CLOCK);
    }

    @AfterEach
    void close() {
        if (database != null) database.close();
    }

    @Test
    void aChildGetsTheLowestFreeNibbleAndARouteViaItsUplink() {
        SubtreeAllocator allocator = allocator(ROOT, routes);

        Delegation c1 = allocator.delegate("c1");
        Delegation c2 = allocator.delegate("c2");

        assertThat(c1.nibble()).isEqualTo(1);
        assertThat(c1.prefix()).isEqualTo(IpPrefix.parse("fd00:1100::/24"));
        assertThat(IpPrefix.text(c1.uplink())).isEqualTo("fd00:1000::1:1");
        assertThat(c1.route()).isEqualTo(new RouteState.Installed());
        assertThat(c2.prefix()).isEqualTo(IpPrefix.parse("fd00:1200::/24"));
        assertThat(routes.table).containsExactly(
                Map.entry(IpPrefix.parse("fd00:1100::/24"), "via fd00:1000::1:1 dev vulcan0"),
                Map.entry(IpPrefix.parse("fd00:1200::/24"), "via fd00:1000::1:2 dev vulcan0"));
    }

    @Test
    void delegatingTheSameChildAgainReturnsItsDelegation() {
        SubtreeAllocator allocator = allocator(ROOT, routes);
        Delegation first = allocator.delegate("c1");

        assertThat(allocator.delegate("c1")).isEqualTo(first);
        assertThat(allocator.list()).containsExactly(first);
    }

    @Test
    void releaseRemovesTheRouteAndTheNibbleIsReusedLowestFirst() {
        SubtreeAllocator allocator = allocator(ROOT, routes);
        allocator.delegate("a");
        allocator.delegate("b");
        allocator.delegate("c");

        allocator.release("b");
        allocator.release("a");

        assertThat(routes.table).containsOnlyKeys(ROOT.childPrefix(3));
        assertThat(allocator.delegate("d").nibble()).isEqualTo(1);
        assertThat(allocator.delegate("e").nibble()).isEqualTo(2);
        assertThat(allocator.delegate("f").nibble()).isEqualTo(4);
    }

    @Test
    void theSixteenthChildIsRefused() {
        SubtreeAllocator allocator = allocator(ROOT, routes);
        for (int i = 1; i <= 15; i++) allocator.delegate("c" + i);

        assertThatThrownBy(() -> allocator.delegate("c16"))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo("subtree_exhausted"))
                .hasMessageContaining("fd00:1000::/20");
        assertThat(allocator.list()).hasSize(15);
    }

    @Test
    void badNamesAndUnknownChildrenAreRefused() {
        SubtreeAllocator allocator = allocator(ROOT, routes);

        for (String name : new String[] {"", "-x", "a/b", "a b", "x".repeat(64)}) {
            assertThatThrownBy(() -> allocator.delegate(name)).as(name)
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.code()).isEqualTo("invalid_name"));
        }
        assertThatThrownBy(() -> allocator.delegate(null)).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> allocator.release("ghost"))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).isEqualTo("delegation_not_found"));
        assertThat(routes.calls).isEmpty();
    }

    @Test
    void aFailedRouteUndoesTheRecord() {
        SubtreeAllocator allocator = allocator(ROOT, routes);
        routes.failure = new IOException("RTNETLINK answers: Network is unreachable");

        assertThatThrownBy(() -> allocator.delegate("c1"))
                .isInstanceOfSatisfying(UnavailableException.class, e -> assertThat(e.code()).isEqualTo("route_failed"))
                .hasMessageContaining("unreachable");
        assertThat(allocator.list()).isEmpty();

        routes.failure = null;
        assertThat(allocator.delegate("c1").nibble()).isEqualTo(1);
    }

    @Test
    void withoutTheBridgeTheDelegationStaysAndItsRoutePendsUntilReconcile() {
        SubtreeAllocator allocator = allocator(ROOT, routes);
        routes.failure = new Routes.MissingDeviceException("vulcan0", "Cannot find device \"vulcan0\"");

        Delegation pending = allocator.delegate("c1");
        assertThat(pending.route()).isInstanceOf(RouteState.Pending.class);
        assertThat(pending.route().wire()).startsWith("pending: device vulcan0 does not exist");
        assertThat(allocator.reconcile()).extracting(Delegation::route).containsExactly(pending.route());

        routes.failure = null;
        assertThat(allocator.reconcile()).extracting(Delegation::route).containsExactly(new RouteState.Installed());
        assertThat(routes.table).containsOnlyKeys(ROOT.childPrefix(1));
    }

    @Test
    void delegatingAPendingChildAgainRetriesItsRoute() {
        SubtreeAllocator allocator = allocator(ROOT, routes);
        routes.failure = new Routes.MissingDeviceException("vulcan0", "Cannot find device \"vulcan0\"");
        allocator.delegate("c1");
        routes.failure = null;

        assertThat(allocator.delegate("c1").route()).isEqualTo(new RouteState.Installed());
    }

    @Test
    void aRestartedDaemonReinstallsEveryRecordedRoute() {
        SubtreeAllocator before = allocator(ROOT, routes);
        before.delegate("c1");
        before.delegate("c2");
        before.release("c1");

        FakeRoutes freshKernel = new FakeRoutes();
        SubtreeAllocator after = allocator(ROOT, freshKernel);
        assertThat(after.list()).extracting(Delegation::route)
                .allMatch(r -> r.wire().equals("pending: not installed since the daemon started"));

        assertThat(after.reconcile()).extracting(Delegation::child, Delegation::route)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("c2", new RouteState.Installed()));
        assertThat(freshKernel.table).isEqualTo(routes.table);
    }

    @Test
    void delegationsFromAnotherSubtreeAreStaleNotRoutedAndCanBeReleased() {
        allocator(ROOT, routes).delegate("old");
        FakeRoutes kernel = new FakeRoutes();
        SubtreeAllocator moved = allocator(NodeSubtree.parse("fd00:2000::/20"), kernel);

        Delegation old = moved.reconcile().getFirst();
        assertThat(old.route()).isInstanceOf(RouteState.Stale.class);
        assertThat(old.route().wire()).contains("fd00:1100::/24").contains("fd00:2000::/20");
        assertThat(kernel.table).isEmpty();
        assertThat(moved.delegate("new").nibble()).isEqualTo(2);

        moved.release("old");
        assertThat(moved.delegate("newer").prefix()).isEqualTo(IpPrefix.parse("fd00:2100::/24"));
    }
}
