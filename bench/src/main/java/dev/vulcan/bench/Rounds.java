package dev.vulcan.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Runs variants in rounds, each round in a fresh shuffled order (fixed seed), so that drift in the machine's load
 * falls on every variant alike rather than on whichever runs last.
 */
final class Rounds {
    private Rounds() {}

    /** Each variant's samples (ms, as its callable returns them), in the variants' order; progress every 10 rounds. */
    static Map<String, Samples> shuffled(Map<String, Callable<Double>> variants, int rounds, String label) throws Exception {
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        variants.keySet().forEach(name -> ms.put(name, new ArrayList<>()));
        List<String> order = new ArrayList<>(variants.keySet());
        Random random = new Random(42);
        for (int i = 0; i < rounds; i++) {
            java.util.Collections.shuffle(order, random);
            for (String name : order) {
                ms.get(name).add(variants.get(name).call());
            }
            if ((i + 1) % 10 == 0) {
                System.out.printf("%s: %d/%d rounds%n", label, i + 1, rounds);
            }
        }
        Map<String, Samples> out = new LinkedHashMap<>();
        ms.forEach((name, samples) -> out.put(name, new Samples(samples)));
        return out;
    }
}
