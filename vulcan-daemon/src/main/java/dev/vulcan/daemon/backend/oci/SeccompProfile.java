package dev.vulcan.daemon.backend.oci;

import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Vulcan's default seccomp profile ({@code linux.seccomp} of config.json): everything is allowed except the
 * syscalls a container without CAP_SYS_ADMIN has no business making, which fail with EPERM. The reasoning per
 * group is in docs/runtimes.md ("Seccomp").
 *
 * <p>A deny list rather than Docker's allow list: it is short enough to review, and the capability set already
 * stops most of what Docker's list guards. Its known weakness, a syscall added by a newer kernel being allowed
 * until it is listed here, is why the newer mount API and io_uring are named explicitly.
 */
public final class SeccompProfile {

    static final int EPERM = 1;
    static final int ENOSYS = 38;

    /** The ABIs a static x86 binary can enter the kernel through; each gets the same rules. */
    static final List<String> ARCHITECTURES = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");

    /** Denied outright with EPERM. */
    static final List<String> DENIED = List.of(
            // the kernel itself: modules, kexec, reboot, eBPF, perf counters, kernel keyrings (not namespaced)
            "init_module", "finit_module", "delete_module", "create_module", "get_kernel_syms", "query_module",
            "kexec_load", "kexec_file_load", "reboot", "bpf", "perf_event_open", "add_key", "request_key", "keyctl",
            "syslog", "lookup_dcookie", "nfsservctl", "uselib", "sysfs", "_sysctl", "vhangup",
            // mounts, old and new API: the namespaces are the runtime's to set up, not the workload's
            "mount", "umount", "umount2", "pivot_root", "fsopen", "fsmount", "fsconfig", "fspick", "move_mount",
            "open_tree", "mount_setattr",
            // namespaces: entering or creating one (a user namespace would hand back CAP_SYS_ADMIN inside it)
            "unshare", "setns",
            // host-wide state: swap, accounting, the clock, quotas, fanotify
            "swapon", "swapoff", "acct", "settimeofday", "stime", "clock_settime", "quotactl", "quotactl_fd",
            "fanotify_init",
            // raw hardware and legacy modes
            "iopl", "ioperm", "vm86", "vm86old",
            // file handles bypass path permission checks (the "shocker" escape)
            "open_by_handle_at", "name_to_handle_at",
            // other processes' memory placement, kernel object comparison (leaks kernel pointer order)
            "move_pages", "migrate_pages", "kcmp",
            // userfaultfd stalls kernel code paths at will (a classic race-widening exploit primitive)
            "userfaultfd",
            // io_uring: a large, CVE-rich surface that bypasses per-syscall filtering of the operations it runs
            "io_uring_setup", "io_uring_enter", "io_uring_register");

    /** The namespace flags of clone(2): a new namespace is the runtime's job (CLONE_NEWTIME is not a clone flag). */
    static final List<Long> CLONE_NEW_FLAGS = List.of(
            0x00020000L, // CLONE_NEWNS
            0x02000000L, // CLONE_NEWCGROUP
            0x04000000L, // CLONE_NEWUTS
            0x08000000L, // CLONE_NEWIPC
            0x10000000L, // CLONE_NEWUSER
            0x20000000L, // CLONE_NEWPID
            0x40000000L); // CLONE_NEWNET

    private SeccompProfile() {}

    /** Writes the profile into {@code linux.seccomp}. */
    static void render(ObjectNode linux) {
        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        ArrayNode arches = seccomp.putArray("architectures");
        ARCHITECTURES.forEach(arches::add);
        ArrayNode syscalls = seccomp.putArray("syscalls");
        ObjectNode denied = syscalls.addObject();
        ArrayNode names = denied.putArray("names");
        DENIED.forEach(names::add);
        denied.put("action", "SCMP_ACT_ERRNO").put("errnoRet", EPERM);
        // One rule per flag: conditions inside one rule are ANDed, separate rules ORed, so a clone that
        // asks for any namespace fails while fork, vfork and threads (no CLONE_NEW* bits) pass.
        for (long flag : CLONE_NEW_FLAGS) {
            ObjectNode clone = syscalls.addObject();
            clone.putArray("names").add("clone");
            clone.put("action", "SCMP_ACT_ERRNO").put("errnoRet", EPERM);
            clone.putArray("args").addObject().put("index", 0).put("value", flag).put("valueTwo", flag)
                    .put("op", "SCMP_CMP_MASKED_EQ");
        }
        // clone3 passes its flags in memory seccomp cannot read. ENOSYS, not EPERM: glibc then falls back to
        // clone(2), whose flags the rules above do see (EPERM would break every fork and thread).
        ObjectNode clone3 = syscalls.addObject();
        clone3.putArray("names").add("clone3");
        clone3.put("action", "SCMP_ACT_ERRNO").put("errnoRet", ENOSYS);
    }
}
