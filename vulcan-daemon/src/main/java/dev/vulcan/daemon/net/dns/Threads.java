package dev.vulcan.daemon.net.dns;

/** Joining threads on close, even when the closing thread is itself interrupted. */
final class Threads {

    private Threads() {}

    static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
