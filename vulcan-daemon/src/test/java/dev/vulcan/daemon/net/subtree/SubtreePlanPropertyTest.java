package dev.vulcan.daemon.net.subtree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.store.Database;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Properties of the plan over random operation sequences, every subtree depth from /20 to /60 and
 * random subtree positions. Each run is seeded; a failure names its seed so it can be replayed with
 * {@code -Dsubtree.seed=N}.
 */
class SubtreePlanPropertyTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final long BASE_SEED = Long.getLong("subtree.seed", 20260101L);
    private static final int RUNS_PER_DEPTH = 4;
    private static final int OPERATIONS = 60;
    /** More names than nibbles, so sequences reach exhaustion and reuse. */
    private static final int NAMES = 22;

    @TempDir
    Path dir;

    private int databases;

    /** One operation of a sequence: delegate or release a child. */
    private record Op(boolean delegate, String child) {}

    /** What a sequence produced: the final plan and the outcome of every operation. */
    private record Outcome(List<String> plan, List<String> results) {}

    @Test
    void randomSequencesKeepThePlanDisjointDeterministicAndLowestFirst() {
        for (int length = 20; length <= 60; length++) {
            for (int run = 0; run < RUNS_PER_DEPTH; run++) {
                long seed = BASE_SEED + length * 1000L + run;
                Random random = new Random(seed);
                NodeSubtree subtree = new NodeSubtree(randomPrefix(random, length));
                List<Op> ops = sequence(random);
                String context = "seed " + seed + ", subtree " + subtree;

                Outcome first = replay(subtree, ops, context);
                Outcome second = replay(subtree, ops, context);

                assertThat(second).as("same operations, same plan (%s)", context).isEqualTo(first);
            }
        }
    }

    @Test
    void exhaustionComesExactlyAtTheSixteenthChildAtEveryDepth() {
        for (int length = 20; length <= 60; length++) {
            Random random = new Random(BASE_SEED + length);
            NodeSubtree subtree = new NodeSubtree(randomPrefix(random, length));
            try (Database database = Database.open(dir.resolve("exhaust-" + length + ".db"))) {
                SubtreeAllocator allocator = new SubtreeAllocator(subtree, database, new FakeRoutes(), "vulcan0", CLOCK);
                for (int i = 1; i <= NodeSubtree.CHILDREN; i++) {
                    assertThat(allocator.delegate("c" + i).nibble()).as(subtree + " child " + i).isEqualTo(i);
                }
                assertThatThrownBy(() -> allocator.delegate("c16")).as(subtree.toString())
                        .isInstanceOfSatisfying(ConflictException.class,
                                e -> assertThat(e.code()).isEqualTo("subtree_exhausted"));
                int freed = 1 + random.nextInt(NodeSubtree.CHILDREN);
                allocator.release("c" + freed);
                assertThat(allocator.delegate("c16").nibble()).as(subtree + " reuse").isEqualTo(freed);
            }
        }
    }

    @Test
    void subtreesLongerThanSixtyAreRefusedAtEveryPosition() {
        Random random = new Random(BASE_SEED);
        for (int length = 61; length <= 128; length++) {
            IpPrefix prefix = randomPrefix(random, length);
            assertThatThrownBy(() -> new NodeSubtree(prefix)).as(prefix.toString())
                    .isInstanceOfSatisfying(UnavailableException.class,
                            e -> assertThat(e.code()).isEqualTo("subtree_too_small"));
        }
    }

    /** Runs the operations on a fresh database, checking the properties after each one. */
    private Outcome replay(NodeSubtree subtree, List<Op> ops, String context) {
        List<String> results = new ArrayList<>();
        FakeRoutes kernel = new FakeRoutes();
        // the model: the lowest free nibble goes to a new child
        TreeMap<Integer, String> model = new TreeMap<>();
        try (Database database = Database.open(dir.resolve("plan-" + databases++ + ".db"))) {
            SubtreeAllocator allocator = new SubtreeAllocator(subtree, database, kernel, "vulcan0", CLOCK);
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                String where = context + ", operation " + i + " " + op;
                results.add(apply(allocator, op, model, where));
                check(subtree, allocator.list(), kernel, model, where);
            }
            return new Outcome(allocator.list().stream().map(d -> d.child() + "=" + d.nibble() + "=" + d.prefix()
                    + "=" + IpPrefix.text(d.uplink())).toList(), results);
        }
    }

    private static String apply(SubtreeAllocator allocator, Op op, TreeMap<Integer, String> model, String where) {
        Integer held = model.entrySet().stream().filter(e -> e.getValue().equals(op.child()))
                .map(java.util.Map.Entry::getKey).findFirst().orElse(null);
        if (!op.delegate()) {
            if (held == null) {
                assertThatThrownBy(() -> allocator.release(op.child())).as(where).hasMessageContaining("no delegation");
                return "release " + op.child() + ": not found";
            }
            allocator.release(op.child());
            model.remove(held);
            return "release " + op.child();
        }
        if (held == null && model.size() == NodeSubtree.CHILDREN) {
            assertThatThrownBy(() -> allocator.delegate(op.child())).as(where).isInstanceOf(ConflictException.class);
            return "delegate " + op.child() + ": exhausted";
        }
        int expected = held != null ? held : lowestFree(model);
        Delegation delegation = allocator.delegate(op.child());
        assertThat(delegation.nibble()).as("lowest free nibble or the child's own (%s)", where).isEqualTo(expected);
        model.put(expected, op.child());
        return "delegate " + op.child() + ": " + delegation.prefix();
    }

    private static void check(NodeSubtree subtree, List<Delegation> plan, FakeRoutes kernel,
            TreeMap<Integer, String> model, String where) {
        assertThat(plan).as(where).extracting(Delegation::nibble).containsExactlyElementsOf(model.keySet());
        Set<java.net.InetAddress> uplinks = new HashSet<>();
        for (Delegation d : plan) {
            assertThat(subtree.subtree().contains(d.prefix())).as("%s inside the subtree (%s)", d.prefix(), where).isTrue();
            assertThat(d.prefix().length()).as(where).isEqualTo(subtree.subtree().length() + 4).isLessThanOrEqualTo(64);
            assertThat(d.prefix().overlaps(subtree.ownSpace())).as("%s vs own space (%s)", d.prefix(), where).isFalse();
            assertThat(subtree.bridgeSubnet().contains(d.uplink())).as(where).isTrue();
            assertThat(d.uplink()).as(where).isNotEqualTo(subtree.bridgeAddress());
            assertThat(uplinks.add(d.uplink())).as("uplink %s unique (%s)", d.uplink(), where).isTrue();
            for (Delegation other : plan) {
                if (other != d) {
                    assertThat(d.prefix().overlaps(other.prefix())).as("%s vs %s (%s)", d.prefix(), other.prefix(), where)
                            .isFalse();
                }
            }
            assertThat(kernel.table.get(d.prefix())).as(where)
                    .isEqualTo("via " + IpPrefix.text(d.uplink()) + " dev vulcan0");
        }
        assertThat(kernel.table).as("the kernel routes exactly the plan (%s)", where).hasSameSizeAs(plan);
    }

    private static int lowestFree(TreeMap<Integer, String> model) {
        int nibble = 1;
        while (model.containsKey(nibble)) nibble++;
        return nibble;
    }

    private static List<Op> sequence(Random random) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < OPERATIONS; i++) {
            // delegations outnumber releases, so runs fill up, exhaust and recycle
            ops.add(new Op(random.nextInt(3) != 0, "child-" + random.nextInt(NAMES)));
        }
        return ops;
    }

    /** A ULA prefix (fd00::/8) of the given length at a random position. */
    private static IpPrefix randomPrefix(Random random, int length) {
        BigInteger bits = new BigInteger(128 - 8, random).or(BigInteger.valueOf(0xfd).shiftLeft(120));
        BigInteger network = bits.shiftRight(128 - length).shiftLeft(128 - length);
        return new IpPrefix(network, length, true);
    }
}
