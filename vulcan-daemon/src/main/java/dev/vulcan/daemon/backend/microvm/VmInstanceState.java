package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.InstanceDriver.RunState;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** How an instance VM's run stands, from what its files and processes say (pure: tested without a VM). */
final class VmInstanceState {

    /** The exit code of a run whose guest ended without the agent recording its main process's exit. */
    static final int GUEST_LOST = 255;

    private VmInstanceState() {}

    /**
     * @param qemuExit  the monitor's record of QEMU's exit status ("0\n"), empty while QEMU runs
     * @param status    what the agent wrote to the status port ("exit 3\n"), empty if it wrote nothing
     * @param qemu      QEMU's pid while it runs
     * @param monitor   the monitor's pid while it runs (QEMU not yet started, or its pid file not yet written)
     */
    static RunState of(String qemuExit, String status, OptionalLong qemu, OptionalLong monitor) {
        OptionalInt exit = number(qemuExit);
        if (exit.isPresent()) {
            // the main process's own exit code when the agent recorded one; else QEMU's (137: killed, as for
            // containers), and a guest that ended by itself without the agent's word (a kernel panic, a poweroff
            // from inside) is GUEST_LOST: a failure, so an on-failure policy restarts it
            OptionalInt main = mainExit(status);
            return new RunState.Exited(main.orElse(exit.getAsInt() == 0 ? GUEST_LOST : exit.getAsInt()), false);
        }
        if (qemu.isPresent()) {
            return new RunState.Running(qemu.getAsLong());
        }
        if (monitor.isPresent()) {
            return new RunState.Running(monitor.getAsLong());
        }
        return new RunState.Absent();
    }

    /** The last "exit N" line of the status port's file. */
    static OptionalInt mainExit(String status) {
        OptionalInt found = OptionalInt.empty();
        for (String line : status.split("\n")) {
            String l = line.strip();
            if (l.startsWith("exit ")) {
                OptionalInt n = number(l.substring(5));
                if (n.isPresent()) {
                    found = n;
                }
            }
        }
        return found;
    }

    private static OptionalInt number(String text) {
        String t = text.strip();
        if (!t.matches("-?[0-9]{1,9}")) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(t));
    }
}
