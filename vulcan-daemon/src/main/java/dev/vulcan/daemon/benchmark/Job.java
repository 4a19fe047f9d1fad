package dev.vulcan.daemon.benchmark;

/** The three kinds of work the suite runs, on every backend and on every raw engine alike. */
enum Job {
    /** Prints or returns "hello world" and ends: the start cost and nothing else. */
    HELLO,
    /** Keeps one core busy for 1 s. */
    CPU,
    /** Holds its sandbox for the plan's hold time without using a core (memory, concurrency). */
    HOLD
}
