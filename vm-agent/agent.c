/*
 * vulcan-agent: PID 1 of Vulcan's microVM guests.
 *
 * It mounts the kernel file systems, loads the virtio modules listed in /etc/vulcan/modules (the
 * cloud kernel builds its virtio drivers as modules), opens the virtio-serial port named
 * "vulcan.agent" and then serves the host one request at a time over it until told to power off.
 * The wire protocol is documented in docs/runtimes.md ("microVM guest agent protocol") and mirrored
 * by dev.vulcan.daemon.backend.microvm.AgentClient. Built static: the initramfs has no libc.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AGENT_VERSION "vulcan-agent/1"
#define PORT_NAME "vulcan.agent"
/* Instances: the port where the main process's exit status goes (a file on the host), and its terminal. */
#define STATUS_PORT_NAME "vulcan.status"
#define MAIN_CONSOLE "/dev/hvc0"
/* Instances: more ports ("vulcan.exec.1" ...) each served by a worker process, so execs can run side by side. */
#define EXEC_PORT_PREFIX "vulcan.exec."
#define EXEC_PORTS 3
#define MAX_PAYLOAD (1u << 20)
#define CHUNK 32768
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* How long output is still read after the command exited (a daemonised grandchild may keep the pipes). */
#define DRAIN_MS 500

/* Frame types; see docs/runtimes.md. */
enum {
    T_HELLO = 'H', T_EXEC = 'X', T_MOUNT = 'M', T_STDIN = 'I', T_SIGNAL = 'K', T_POWEROFF = 'P',
    T_START = 'S', T_RESIZE = 'R',
    T_STDOUT = 'O', T_STDERR = 'E', T_DONE = 'D', T_ERROR = 'F',
};
enum { DONE_EXITED = 0, DONE_SIGNALED = 1, DONE_TIMEOUT = 2, DONE_NOT_STARTED = 3 };
#define EXEC_STDIN 1u
/* The command runs chrooted into the rootfs the host asked to mount (T_MOUNT). */
#define EXEC_ROOTFS 2u
/* The command gets a pseudo-terminal (stdout and stderr merged; T_RESIZE sizes it). */
#define EXEC_TTY 4u
#define ROOTFS "/rootfs"

static int port = -1;
/* An instance's main process (T_START): when it ends, its status goes to the status port and the VM powers off. */
static pid_t main_pid;
static int main_done, main_status;
/* The ACPI power button's event device (QMP system_powerdown presses it), -1 when there is none. */
static int power_fd = -1;

static void logf_(const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n > (int) sizeof line - 2) n = sizeof line - 2;
    line[n++] = '\n';
    int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) {
        (void) !write(fd, "vulcan-agent: ", 14);
        (void) !write(fd, line, n);
        close(fd);
    }
}

static void power_off(void) {
    sync();
    reboot(RB_POWER_OFF);
    for (;;) pause();
}

/* An exec worker (a child serving one of the extra exec ports) only ends itself; PID 1 powers off. */
static int worker;

static void die(const char *what) {
    logf_("fatal: %s: %s", what, strerror(errno));
    if (worker) _exit(1);
    power_off();
}

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + ts.tv_nsec / 1000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

/* ---------------------------------------------------------------- boot ----- */

static void mount_kernel_fs(void) {
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    mkdir("/dev", 0755);
    mkdir("/tmp", 01777);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 && errno != EBUSY) die("mount /proc");
    if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 && errno != EBUSY) die("mount /sys");
    if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755") < 0 && errno != EBUSY) die("mount /dev");
    mkdir("/dev/pts", 0755);
    mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    mkdir("/dev/shm", 01777);
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

/* Module parameters given on the kernel command line as name.key=value, as modprobe passes them. */
static void module_params(const char *cmdline, const char *module, char *out, size_t cap) {
    out[0] = 0;
    size_t used = 0, len = strlen(module);
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ' || *p == '\n') p++;
        const char *end = p;
        while (*end && *end != ' ' && *end != '\n') end++;
        int match = (size_t) (end - p) > len + 1 && p[len] == '.';
        for (size_t i = 0; match && i < len; i++) {
            char a = p[i] == '-' ? '_' : p[i], b = module[i] == '-' ? '_' : module[i];
            if (a != b) match = 0;
        }
        if (match) {
            size_t n = end - p - len - 1;
            if (used + n + 2 < cap) {
                if (used) out[used++] = ' ';
                memcpy(out + used, p + len + 1, n);
                used += n;
                out[used] = 0;
            }
        }
        p = end;
    }
}

/* Loads each module listed (one path a line, dependencies first) with finit_module(2). */
/* Loopback up, as in any container or host: a VM without a network card still talks to itself. */
static void loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) logf_("cannot bring lo up: %s", strerror(errno));
    }
    close(fd);
}

/* The kernel command line, read once at boot: the host passes the agent's settings there (vulcan.*). */
static char cmdline[4096];

static void read_cmdline(void) {
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
    cmdline[n > 0 ? n : 0] = 0;
    close(fd);
}

static void load_modules(void) {
    FILE *list = fopen("/etc/vulcan/modules", "re");
    if (!list) return;
    char path[512];
    while (fgets(path, sizeof path, list)) {
        path[strcspn(path, "\r\n")] = 0;
        if (!path[0] || path[0] == '#') continue;
        char name[128];
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t blen = strcspn(base, ".");
        if (blen >= sizeof name) blen = sizeof name - 1;
        memcpy(name, base, blen);
        name[blen] = 0;
        char params[1024];
        module_params(cmdline, name, params, sizeof params);
        int mfd = open(path, O_RDONLY | O_CLOEXEC);
        if (mfd < 0) {
            logf_("module %s: %s", path, strerror(errno));
            continue;
        }
        if (syscall(SYS_finit_module, mfd, params, 0) < 0 && errno != EEXIST) logf_("module %s: %s", name, strerror(errno));
        close(mfd);
    }
    fclose(list);
}

/* Finds a virtio-serial port by its name, waiting up to attempts x 5 ms for virtio_console to probe it; -1: none. */
static int find_port(const char *wanted, int attempts, int flags) {
    for (int attempt = 0; attempt < attempts; attempt++) {
        DIR *dir = opendir("/sys/class/virtio-ports");
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            if (e->d_name[0] == '.') continue;
            char path[300], name[64] = "";
            snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, name, sizeof name - 1);
            close(fd);
            name[n > 0 ? n : 0] = 0;
            name[strcspn(name, "\n")] = 0;
            if (strcmp(name, wanted) != 0) continue;
            snprintf(path, sizeof path, "/dev/%s", e->d_name);
            int p = open(path, flags | O_CLOEXEC);
            if (p >= 0) {
                closedir(dir);
                logf_("port %s: %s", wanted, path);
                return p;
            }
        }
        if (dir) closedir(dir);
        sleep_ms(5);
    }
    return -1;
}

/*
 * The control channel. Non-blocking: a read returns EAGAIN while the host is connected with nothing
 * to say and 0 while it is not (a restarted daemon reconnects later), so waiting is poll's job.
 */
static int open_port(void) {
    int p = find_port(PORT_NAME, 2000, O_RDWR | O_NONBLOCK);
    if (p < 0) {
        errno = ENODEV;
        die("no virtio-serial port named " PORT_NAME);
    }
    return p;
}

/* The ACPI power button (button.ko) as an evdev device (evdev.ko); -1 when the kernel has none. */
static int open_power_button(void) {
    for (int i = 0; i < 32; i++) {
        char path[64], name[64] = "";
        snprintf(path, sizeof path, "/dev/input/event%d", i);
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        if (ioctl(fd, EVIOCGNAME(sizeof name - 1), name) >= 0 && strcmp(name, "Power Button") == 0) {
            logf_("power button %s", path);
            return fd;
        }
        close(fd);
    }
    return -1;
}

/* ------------------------------------------------------------- framing ----- */

static void write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    int hup_waits = 0;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                struct pollfd w = {fd, POLLOUT, 0};
                poll(&w, 1, 50);
                if ((w.revents & POLLHUP) && !(w.revents & POLLOUT)) {
                    /* Not connected, as the guest sees it. A host that just connected may have sent its first
                       frame before the guest has handled the "port open" control message (another queue),
                       so wait up to 2 s; then the host is gone and nobody will read the rest (a reconnecting
                       host starts with a hello). */
                    if (++hup_waits > 40) return;
                    sleep_ms(50);
                }
                continue;
            }
            die("write to host");
        }
        p += n;
        len -= n;
    }
}

static void put32(unsigned char *p, uint32_t v) {
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get32(const unsigned char *p) {
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void send_frame(int type, const void *payload, uint32_t len) {
    unsigned char head[5] = {(unsigned char) type};
    put32(head + 1, len);
    write_all(port, head, 5);
    if (len) write_all(port, payload, len);
}

static void send_error(const char *message) {
    send_frame(T_ERROR, message, strlen(message));
}

/* Incoming bytes from the host; frames are taken from the front once complete. */
static unsigned char *inbuf;
static size_t inlen;

/* Reads what the port has. Returns 0 on success, -1 while the host side is not connected. */
static int fill(void) {
    ssize_t n = read(port, inbuf + inlen, MAX_PAYLOAD + 5 - inlen);
    if (n > 0) {
        inlen += n;
        return 0;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    /* EOF: the host is not connected (yet, or any more). virtio-serial polls as HUP meanwhile. */
    return -1;
}

struct frame {
    int type;
    uint32_t len;
    unsigned char *payload;
};

/* Takes one complete frame from the buffer; the payload stays valid until consume(). */
static int next_frame(struct frame *f) {
    if (inlen < 5) return 0;
    uint32_t len = get32(inbuf + 1);
    if (len > MAX_PAYLOAD) {
        send_error("frame too large");
        inlen = 0;
        return 0;
    }
    if (inlen < 5 + len) return 0;
    f->type = inbuf[0];
    f->len = len;
    f->payload = inbuf + 5;
    return 1;
}

static void consume(const struct frame *f) {
    size_t used = 5 + f->len;
    memmove(inbuf, inbuf + used, inlen - used);
    inlen -= used;
}

/* ----------------------------------------------------------- instances ----- */

static void reaped(pid_t p, int status) {
    if (main_pid && p == main_pid && !main_done) {
        main_done = 1;
        main_status = status;
    }
}

/* Reaps every ended child (orphans are re-parented to PID 1), noting the main process's end. */
static void reap_all(int sigfd) {
    struct signalfd_siginfo info;
    while (read(sigfd, &info, sizeof info) > 0) {}
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) reaped(p, st);
}

/* A power button press (ACPI shutdown): the main process is asked to end (the VM powers off after it); none: power off. */
static void power_event(void) {
    struct input_event ev[16];
    ssize_t n;
    int pressed = 0;
    while ((n = read(power_fd, ev, sizeof ev)) > 0) {
        for (size_t i = 0; i < (size_t) n / sizeof ev[0]; i++) {
            if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1) pressed = 1;
        }
    }
    if (!pressed) return;
    if (main_pid && !main_done) {
        logf_("power button: terminating the main process");
        kill(-main_pid, SIGTERM);
        kill(main_pid, SIGTERM);
    } else {
        logf_("power button: power off");
        power_off();
    }
}

/*
 * The main process ended: like a container's init, everything else goes with it; its status goes to
 * the status port ("exit N", 128+N for signal N), the rootfs is unmounted clean and the VM powers off.
 */
static void finish_main(void) {
    int code = WIFEXITED(main_status) ? WEXITSTATUS(main_status) : 128 + WTERMSIG(main_status);
    logf_("main process exited with %d", code);
    kill(-1, SIGKILL);
    for (;;) {
        pid_t p = waitpid(-1, NULL, 0);
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) break;
    }
    static const char *const inner[] = {ROOTFS "/proc", ROOTFS "/sys", ROOTFS "/dev/pts", ROOTFS "/dev", ROOTFS "/tmp", ROOTFS};
    for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++) {
        if (umount2(inner[i], 0) < 0 && errno != EINVAL && errno != ENOENT) logf_("umount %s: %s", inner[i], strerror(errno));
    }
    int status = find_port(STATUS_PORT_NAME, 1, O_WRONLY | O_NONBLOCK);
    if (status >= 0) {
        char line[32];
        int len = snprintf(line, sizeof line, "exit %d\n", code);
        if (write(status, line, len) != len) logf_("status port: %s", strerror(errno));
        close(status);
    }
    power_off();
}

/*
 * Blocks until a whole frame is buffered. Meanwhile the main process's end and the power button are
 * handled, and host disconnects waited out: a disconnected port polls as HUP, so it is retried every 50 ms.
 */
static void read_frame(struct frame *f, int sigfd) {
    int host_gone = 0;
    while (!next_frame(f)) {
        if (main_done) finish_main();
        struct pollfd fds[3] = {{host_gone ? -1 : port, POLLIN, 0}, {sigfd, POLLIN, 0}, {power_fd, POLLIN, 0}};
        if (poll(fds, 3, host_gone ? 50 : -1) < 0 && errno != EINTR) die("poll");
        if (fds[1].revents) reap_all(sigfd);
        if (fds[2].revents) power_event();
        if (host_gone || (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (fill() < 0) {
                /* A frame half sent by a host that went away is never completed: a new host starts afresh. */
                if (!host_gone) inlen = 0;
                host_gone = 1;
            } else {
                host_gone = 0;
            }
        }
    }
}

/* ---------------------------------------------------------------- exec ----- */

struct request {
    uint32_t flags, timeout_ms, argc, envc;
    char *cwd;
    char **argv, **env;
};

/* Parses an exec payload: u32 flags, timeout_ms, argc, envc, then NUL-terminated cwd, argv..., env.... */
static const char *parse_request(unsigned char *p, uint32_t len, struct request *r) {
    if (len < 16) return "exec request too short";
    r->flags = get32(p);
    r->timeout_ms = get32(p + 4);
    r->argc = get32(p + 8);
    r->envc = get32(p + 12);
    if (r->argc == 0) return "exec request without argv";
    if (r->argc > 65536 || r->envc > 65536) return "exec request with too many strings";
    uint32_t total = 1 + r->argc + r->envc, found = 0;
    char **strings = calloc(total + 2, sizeof(char *));
    if (!strings) return "out of memory";
    size_t at = 16;
    while (found < total && at < len) {
        char *s = (char *) p + at;
        char *nul = memchr(s, 0, len - at);
        if (!nul) break;
        strings[found++] = s;
        at = (nul - (char *) p) + 1;
    }
    if (found < total || at != len) {
        free(strings);
        return "exec request strings malformed";
    }
    r->cwd = strings[0];
    /* argv and env share the array: argv[argc] and env[envc] must be NULL, so shift env by one. */
    r->argv = malloc((r->argc + 1) * sizeof(char *));
    r->env = malloc((r->envc + 2) * sizeof(char *));
    if (!r->argv || !r->env) return "out of memory";
    memcpy(r->argv, strings + 1, r->argc * sizeof(char *));
    r->argv[r->argc] = NULL;
    int has_path = 0;
    for (uint32_t i = 0; i < r->envc; i++) {
        r->env[i] = strings[1 + r->argc + i];
        if (strncmp(r->env[i], "PATH=", 5) == 0) has_path = 1;
    }
    r->env[r->envc] = has_path ? NULL : (char *) DEFAULT_PATH;
    r->env[r->envc + 1] = NULL;
    free(strings);
    return NULL;
}

static void send_done(int kind, int32_t code, uint64_t duration_us, const char *message) {
    size_t mlen = message ? strlen(message) : 0;
    unsigned char buf[13 + 256];
    if (mlen > 256) mlen = 256;
    buf[0] = kind;
    put32(buf + 1, (uint32_t) code);
    put32(buf + 5, (uint32_t) (duration_us >> 32));
    put32(buf + 9, (uint32_t) duration_us);
    if (mlen) memcpy(buf + 13, message, mlen);
    send_frame(T_DONE, buf, 13 + mlen);
}

static sigset_t blocked;

/*
 * Forks the command in its own session with pipes for stdio, or with EXEC_TTY a pseudo-terminal
 * (*pty: its master, which then stands in for stdout and stdin); returns its pid or -1 with a message.
 */
/* In a new session's leader: terminal t becomes its controlling terminal and its stdin, stdout and stderr. */
static void take_terminal(int t) {
    ioctl(t, TIOCSCTTY, 0);
    dup2(t, 0);
    dup2(t, 1);
    dup2(t, 2);
    if (t > 2) close(t);
}

static pid_t spawn(const struct request *r, int out[2], int err[2], int in[2], int *pty, char *why, size_t whylen) {
    int report[2];
    char slave[64] = "";
    *pty = -1;
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return -1;
    }
    in[0] = in[1] = -1;
    if ((r->flags & EXEC_STDIN) && !(r->flags & EXEC_TTY) && pipe2(in, O_CLOEXEC) < 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return -1;
    }
    if (r->flags & EXEC_TTY) {
        *pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (*pty < 0 || grantpt(*pty) < 0 || unlockpt(*pty) < 0 || ptsname_r(*pty, slave, sizeof slave) != 0) {
            snprintf(why, whylen, "pty: %s", strerror(errno));
            if (*pty >= 0) close(*pty);
            *pty = -1;
            return -1;
        }
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigprocmask(SIG_UNBLOCK, &blocked, NULL);
        setsid();
        if (slave[0]) {
            /* Opened before any chroot (the rootfs's /dev has no pts); the first terminal a session leader opens is its own. */
            int t = open(slave, O_RDWR);
            if (t >= 0) take_terminal(t);
        } else {
            int stdin_fd = in[0] >= 0 ? in[0] : open("/dev/null", O_RDONLY);
            dup2(stdin_fd, 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
        }
        const char *stage = "chroot";
        if ((r->flags & EXEC_ROOTFS) && (chroot(ROOTFS) < 0 || chdir("/") < 0)) {
            stage = "chroot";
        } else if ((stage = "chdir", r->cwd[0] == 0 || chdir(r->cwd) == 0)) {
            stage = "exec";
            execvpe(r->argv[0], r->argv, r->env);
        }
        char msg[300];
        int n = snprintf(msg, sizeof msg, "%s %s: %s", stage,
                         stage[1] == 'x' ? r->argv[0] : stage[2] == 'd' ? r->cwd : ROOTFS, strerror(errno));
        (void) !write(report[1], msg, n);
        _exit(127);
    }
    close(report[1]);
    close(out[1]);
    close(err[1]);
    if (in[0] >= 0) close(in[0]);
    /* exec closes the report pipe (CLOEXEC): EOF with no bytes means the command started. */
    ssize_t n;
    while ((n = read(report[0], why, whylen - 1)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n > 0) {
        why[n] = 0;
        waitpid(pid, NULL, 0);
        close(out[0]);
        close(err[0]);
        if (in[1] >= 0) close(in[1]);
        if (*pty >= 0) close(*pty);
        *pty = -1;
        return -1;
    }
    if (*pty >= 0) {
        /* The terminal's output is the command's stdout; host stdin goes to the terminal. */
        close(out[0]);
        out[0] = *pty;
        fcntl(*pty, F_SETFL, O_NONBLOCK);
        in[1] = dup(*pty);
    }
    return pid;
}

/*
 * Starts an instance's main process (T_START, an exec request): in its own session with the console
 * (MAIN_CONSOLE, the host's serial console socket and log) as its controlling terminal and stdio.
 * Answers T_START with its pid, or T_ERROR with why it did not start.
 */
static void start_main(const struct request *r) {
    char why[300];
    int report[2];
    if (main_pid) return send_error("the main process was started already");
    if (pipe2(report, O_CLOEXEC) < 0) return send_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) {
        close(report[0]);
        close(report[1]);
        return send_error("fork failed");
    }
    if (pid == 0) {
        sigprocmask(SIG_UNBLOCK, &blocked, NULL);
        setsid();
        const char *stage = "open", *what = MAIN_CONSOLE;
        int t = -1;
        for (int i = 0; i < 400 && (t = open(MAIN_CONSOLE, O_RDWR)) < 0; i++) sleep_ms(5);
        if (t >= 0) {
            take_terminal(t);
            if ((r->flags & EXEC_ROOTFS) && (chroot(ROOTFS) < 0 || chdir("/") < 0)) {
                stage = "chroot";
                what = ROOTFS;
            } else if (stage = "chdir", what = r->cwd, r->cwd[0] == 0 || chdir(r->cwd) == 0) {
                stage = "exec";
                what = r->argv[0];
                execvpe(r->argv[0], r->argv, r->env);
            }
        }
        int e = errno;
        char msg[300];
        int n = snprintf(msg, sizeof msg, "%s %s: %s", stage, what, strerror(e));
        (void) !write(report[1], msg, n);
        _exit(127);
    }
    close(report[1]);
    ssize_t n;
    while ((n = read(report[0], why, sizeof why - 1)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n > 0) {
        why[n] = 0;
        waitpid(pid, NULL, 0);
        return send_error(why);
    }
    main_pid = pid;
    logf_("main process %d started", (int) pid);
    unsigned char b[4];
    put32(b, (uint32_t) pid);
    send_frame(T_START, b, 4);
}

/* Copies one chunk of a pipe to the host; returns 0 at EOF. */
static int forward(int fd, int type) {
    static char chunk[CHUNK];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
    if (n <= 0) return 0;
    send_frame(type, chunk, n);
    return 1;
}

/*
 * Every VM restored from one snapshot wakes with the same CRNG state, and writing bytes to
 * /dev/urandom only mixes them into the input pool: the CRNG keeps its key until its reseed interval
 * passes, by the guest's clock, which was paused. So each command starts with a reseed, and the host
 * writes fresh bytes into the pool first (one command before the workload's).
 */
static void reseed_crng(void) {
    int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void) ioctl(fd, RNDRESEEDCRNG);
    close(fd);
}

static void run(const struct request *r, int sigfd) {
    int out[2], err[2], in[2], pty;
    char why[300];
    reseed_crng();
    uint64_t start = now_us();
    pid_t pid = spawn(r, out, err, in, &pty, why, sizeof why);
    if (pid < 0) {
        send_done(DONE_NOT_STARTED, 127, now_us() - start, why);
        return;
    }
    int out_open = 1, err_open = 1, exited = 0, status = 0, timed_out = 0, host_open = 1, stdin_blocked = 0;
    size_t stdin_off = 0;
    if (in[1] >= 0) fcntl(in[1], F_SETFL, O_NONBLOCK);
    uint64_t deadline = r->timeout_ms ? start + (uint64_t) r->timeout_ms * 1000 : 0, drain_until = 0;
    while (out_open || err_open || !exited) {
        /* Frames already buffered first: stdin may have arrived together with the exec request. */
        struct frame f;
        stdin_blocked = 0;
        while (next_frame(&f)) {
            if (f.type == T_STDIN && in[1] >= 0) {
                if (f.len == 0) {
                    close(in[1]);
                    in[1] = -1;
                } else {
                    /* Non-blocking: a command that does not read its stdin must not stall the agent. */
                    ssize_t n = write(in[1], f.payload + stdin_off, f.len - stdin_off);
                    if (n > 0) stdin_off += n;
                    if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        close(in[1]); /* EPIPE: the command closed its stdin; the rest is dropped */
                        in[1] = -1;
                    } else if (stdin_off < f.len) {
                        stdin_blocked = 1;
                        break;
                    }
                }
                stdin_off = 0;
            } else if (f.type == T_SIGNAL && f.len == 4) {
                kill(-pid, (int) get32(f.payload));
            } else if (f.type == T_RESIZE && f.len == 8) {
                if (pty >= 0) {
                    struct winsize ws = {.ws_row = (unsigned short) get32(f.payload), .ws_col = (unsigned short) get32(f.payload + 4)};
                    ioctl(pty, TIOCSWINSZ, &ws);
                }
            } else if (f.type == T_STDIN) {
                /* stdin already closed: dropped */
            } else {
                send_error("only stdin and signal frames are accepted while a command runs");
            }
            consume(&f);
        }
        uint64_t now = now_us();
        if (exited && now >= drain_until) break;
        /* The instance's main process ended: the VM powers off, so an exec'd command ends now. */
        if (main_done && !exited) kill(-pid, SIGKILL);
        if (!exited && deadline && now >= deadline && !timed_out) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
        long wait_ms = -1;
        if (exited) wait_ms = (long) ((drain_until - now) / 1000) + 1;
        else if (deadline && !timed_out) wait_ms = (long) ((deadline - now) / 1000) + 1;
        /* While stdin is backed up, nothing more is read from the host (the buffer holds the frame). */
        struct pollfd fds[6] = {
            {out_open ? out[0] : -1, POLLIN, 0},
            {err_open ? err[0] : -1, POLLIN, 0},
            {sigfd, POLLIN, 0},
            {host_open && !stdin_blocked ? port : -1, POLLIN, 0},
            {stdin_blocked ? in[1] : -1, POLLOUT, 0},
            {power_fd, POLLIN, 0},
        };
        if (poll(fds, 6, (int) wait_ms) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (fds[0].revents && !forward(out[0], T_STDOUT)) out_open = 0;
        if (fds[1].revents && !forward(err[0], T_STDERR)) err_open = 0;
        if (fds[2].revents) {
            struct signalfd_siginfo info;
            (void) !read(sigfd, &info, sizeof info);
            int st;
            pid_t p;
            while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
                if (p == pid) {
                    exited = 1;
                    status = st;
                    /* Run-to-completion: the command's process group goes with it. */
                    kill(-pid, SIGKILL);
                    drain_until = now_us() + DRAIN_MS * 1000;
                } else {
                    reaped(p, st);
                }
            }
        }
        if (fds[5].revents) power_event();
        if (fds[3].revents & POLLIN) {
            if (fill() < 0) host_open = 0;
        } else if (fds[3].revents & (POLLHUP | POLLERR)) {
            host_open = 0;
        }
        if (!host_open && !exited) {
            /* The host went away mid-command: nobody will read the result. */
            logf_("host disconnected during a command; killing it");
            kill(-pid, SIGKILL);
        }
    }
    close(out[0]);
    close(err[0]);
    if (in[1] >= 0) close(in[1]);
    uint64_t duration = now_us() - start;
    if (!host_open) return;
    if (timed_out) send_done(DONE_TIMEOUT, WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL, duration, "timeout");
    else if (WIFSIGNALED(status)) send_done(DONE_SIGNALED, WTERMSIG(status), duration, strsignal(WTERMSIG(status)));
    else send_done(DONE_EXITED, WEXITSTATUS(status), duration, NULL);
}

/* -------------------------------------------------------------- rootfs ----- */

/*
 * Mounts the host's root file system image (payload: NUL-terminated device, then file system type)
 * at /rootfs with the kernel file systems and a fresh /tmp inside; commands with EXEC_ROOTFS run
 * chrooted into it. Answers T_MOUNT, or T_ERROR with the reason.
 */
static void mount_rootfs(const unsigned char *p, uint32_t len) {
    char dev[128], fstype[32], msg[300];
    const char *nul = memchr(p, 0, len);
    if (!nul || (size_t) (nul - (const char *) p) >= sizeof dev) return send_error("mount request malformed");
    strcpy(dev, (const char *) p);
    size_t rest = len - (nul - (const char *) p) - 1;
    const char *fs = nul + 1;
    if (!rest || !memchr(fs, 0, rest) || strlen(fs) >= sizeof fstype) return send_error("mount request malformed");
    strcpy(fstype, fs);
    mkdir(ROOTFS, 0755);
    /* The block device node appears once virtio_blk has probed the disk. */
    int r = -1;
    for (int attempt = 0; attempt < 1000; attempt++) {
        r = mount(dev, ROOTFS, fstype, MS_NOATIME, NULL);
        if (r == 0 || errno != ENOENT) break;
        sleep_ms(5);
    }
    if (r < 0) {
        snprintf(msg, sizeof msg, "mount %s (%s) on " ROOTFS ": %s", dev, fstype, strerror(errno));
        return send_error(msg);
    }
    static const struct { const char *dir, *type, *src; unsigned long flags; const char *data; } inner[] = {
        {ROOTFS "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
        {ROOTFS "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL},
        {ROOTFS "/dev", "devtmpfs", "devtmpfs", MS_NOSUID, "mode=0755"},
        {ROOTFS "/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    };
    for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++) {
        mkdir(inner[i].dir, 0755);
        if (mount(inner[i].src, inner[i].dir, inner[i].type, inner[i].flags, inner[i].data) < 0) {
            snprintf(msg, sizeof msg, "mount %s: %s", inner[i].dir, strerror(errno));
            return send_error(msg);
        }
    }
    chmod(ROOTFS "/tmp", 01777);
    /* The agent's terminals (exec with a tty) by their names inside too; not fatal: only ttyname() misses it. */
    mkdir(ROOTFS "/dev/pts", 0755);
    if (mount("/dev/pts", ROOTFS "/dev/pts", NULL, MS_BIND, NULL) < 0) logf_("bind /dev/pts: %s", strerror(errno));
    send_frame(T_MOUNT, NULL, 0);
}

/* --------------------------------------------------------------- main ----- */


/*
 * Forks a worker per extra exec port the VM has (instance VMs; a workload VM has none): each serves
 * its port as PID 1 serves the agent's, so the host can run execs side by side. The main process, the
 * power button and power-off stay with PID 1; a worker's commands are its own children.
 */
static void serve(int sigfd);

static void start_exec_workers(int sigfd) {
    /* The host says how many there are (vulcan.exec_ports=N on the kernel command line): the ports are
       probed one after the other, so each is waited for; a VM without the argument has none. */
    int ports = 0;
    const char *arg = strstr(cmdline, "vulcan.exec_ports=");
    if (arg) ports = atoi(arg + strlen("vulcan.exec_ports="));
    if (ports > EXEC_PORTS) ports = EXEC_PORTS;
    for (int i = 1; i <= ports; i++) {
        char name[32];
        snprintf(name, sizeof name, EXEC_PORT_PREFIX "%d", i);
        int p = find_port(name, 400, O_RDWR | O_NONBLOCK);
        if (p < 0) {
            logf_("no port %s", name);
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            worker = 1;
            close(port);
            port = p;
            if (power_fd >= 0) close(power_fd);
            power_fd = -1;
            /* the inherited signalfd reports the signals of this process: its own children's SIGCHLD */
            serve(sigfd);
        }
        if (pid < 0) logf_("fork for %s: %s", name, strerror(errno));
        close(p);
    }
}

int main(void) {
    if (getpid() != 1) {
        fprintf(stderr, "vulcan-agent must run as PID 1 of a microVM\n");
        return 2;
    }
    mount_kernel_fs();
    setenv("PATH", DEFAULT_PATH + 5, 1);
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGCHLD);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    int sigfd = signalfd(-1, &blocked, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd < 0) die("signalfd");
    signal(SIGPIPE, SIG_IGN);
    inbuf = malloc(MAX_PAYLOAD + 5);
    if (!inbuf) die("malloc");
    read_cmdline();
    load_modules();
    loopback_up();
    port = open_port();
    power_fd = open_power_button();
    start_exec_workers(sigfd);
    logf_("ready");
    serve(sigfd);
}

/*
 * An X or S frame: its request's strings point into the frame buffer, so the payload is copied out
 * before the frame is consumed, then parsed and handed to act (or answered with F when malformed).
 */
static void with_request(const struct frame *f, int sigfd, void (*act)(const struct request *, int)) {
    struct request r;
    unsigned char *copy = malloc(f->len ? f->len : 1);
    if (!copy) die("malloc");
    memcpy(copy, f->payload, f->len);
    uint32_t len = f->len;
    consume(f);
    const char *bad = parse_request(copy, len, &r);
    if (bad) {
        send_error(bad);
    } else {
        act(&r, sigfd);
        free(r.argv);
        free(r.env);
    }
    free(copy);
}

static void start_main_with(const struct request *r, int sigfd) {
    (void) sigfd;
    start_main(r);
}

/* Serves the host on this process's port, one request at a time, for ever. */
static void serve(int sigfd) {
    for (;;) {
        struct frame f;
        read_frame(&f, sigfd);
        /* Orphans re-parented to PID 1 between commands. */
        reap_all(sigfd);
        switch (f.type) {
        case T_HELLO:
            consume(&f);
            send_frame(T_HELLO, AGENT_VERSION, strlen(AGENT_VERSION));
            break;
        case T_EXEC:
            with_request(&f, sigfd, run);
            break;
        case T_START:
            if (worker) {
                consume(&f);
                send_error("the main process starts on the agent's port");
                break;
            }
            with_request(&f, sigfd, start_main_with);
            break;
        case T_MOUNT: {
            unsigned char copy[256];
            uint32_t len = f.len < sizeof copy ? f.len : sizeof copy;
            memcpy(copy, f.payload, len);
            consume(&f);
            mount_rootfs(copy, len);
            break;
        }
        case T_POWEROFF:
            consume(&f);
            if (worker) {
                send_error("power off on the agent's port");
                break;
            }
            send_frame(T_POWEROFF, NULL, 0);
            logf_("power off");
            power_off();
            break;
        case T_STDIN:
        case T_SIGNAL:
        case T_RESIZE:
            /* Late stdin or a signal for a command that already ended: nothing to do. */
            consume(&f);
            break;
        default: {
            char msg[64];
            snprintf(msg, sizeof msg, "unknown frame type %d", f.type);
            consume(&f);
            send_error(msg);
        }
        }
    }
}
