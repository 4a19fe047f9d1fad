package dev.vulcan.daemon.net;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A host for {@link Bridges} and {@link NetworkFirewall} that runs nothing: it records every argv and keeps
 * just enough state (links, inserted jumps, restored rule files) to answer the next command the way iproute2
 * and iptables would.
 */
final class FakeCommands implements ProcessRunner {

    final List<List<String>> calls = new CopyOnWriteArrayList<>();
    /** Links on the fake host; all of them are bridges. */
    final Set<String> links = new TreeSet<>();
    /** "iptables filter FORWARD VT-ISOLATION": jumps -C finds. */
    final Set<String> jumps = new HashSet<>();
    /** What each *-restore read last, by tool. */
    final Map<String, String> restored = new LinkedHashMap<>();
    /** Commands (joined by spaces) starting with one of these fail with exit 1. */
    final Set<String> failing = new HashSet<>();

    @Override
    public Result run(List<String> argv, Duration deadline) throws IOException {
        calls.add(List.copyOf(argv));
        String line = String.join(" ", argv);
        for (String f : failing) {
            if (line.startsWith(f)) return new Result(1, "fake failure of " + f);
        }
        if (line.startsWith("ip link show dev ")) {
            return new Result(links.contains(argv.get(4)) ? 0 : 1, "");
        }
        if (line.startsWith("ip link add ")) {
            links.add(argv.get(3));
        } else if (line.startsWith("ip link del ")) {
            links.remove(argv.get(3));
        } else if (line.equals("ip -o link show type bridge")) {
            StringBuilder out = new StringBuilder();
            int index = 3;
            for (String link : links) {
                out.append(index++).append(": ").append(link).append(": <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue"
                        + " state UP mode DEFAULT group default qlen 1000\\    link/ether 02:56:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n");
            }
            return new Result(0, out.toString());
        } else if (argv.getFirst().endsWith("-restore")) {
            try {
                restored.put(argv.getFirst(), Files.readString(Path.of(argv.getLast())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else if (argv.size() == 8 && argv.get(1).equals("-w") && argv.get(4).equals("-C")) {
            return new Result(jumps.contains(jump(argv, 5, 7)) ? 0 : 1, "");
        } else if (argv.size() == 9 && argv.get(1).equals("-w") && argv.get(4).equals("-I")) {
            jumps.add(jump(argv, 5, 8));
        }
        return new Result(0, "");
    }

    private static String jump(List<String> argv, int from, int chain) {
        return argv.get(0) + " " + argv.get(3) + " " + argv.get(from) + " " + argv.get(chain);
    }

    /** The calls whose argv starts with these words. */
    List<List<String>> callsStarting(String... words) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> c : calls) {
            if (c.size() >= words.length && c.subList(0, words.length).equals(List.of(words))) out.add(c);
        }
        return out;
    }

    List<String> lines() {
        return calls.stream().map(c -> String.join(" ", c)).toList();
    }
}
