/* BPF programs on a unit's cgroup that report its TCP listen() and UDP bind() calls; see
 * listen-bpf.h. Hand-assembled and loaded through the raw bpf(2) syscall: two programs of
 * a dozen instructions each do not justify a build dependency on libbpf and clang's BPF
 * target, and they need no BTF or relocations (the map is an fd in the load instruction). */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "listen-bpf.h"
#include "macro.h"

/* One report: the port (host order) and the address family. */
struct listen_bpf_record {
        uint32_t port;
        uint32_t family;
};

enum { LISTEN_BPF_RING_SIZE = 16384 }; /* a power of two and pages: ~1000 reports */

struct listen_bpf {
        int map_fd;
        int prog_fds[3], link_fds[3];
        size_t n;
        size_t page;
        unsigned long *consumer;       /* the page we write our position to */
        const unsigned long *producer; /* the kernel's position, read-only */
};

#define INSN(c, d, s, o, i)                                                                                 \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STX_W(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define LD_MAP_FD(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static long sys_bpf(int cmd, union bpf_attr *attr)
{
        return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

bool listen_bpf_wanted(void)
{
        const char *v = getenv("UNITRUN_LISTEN_BPF");

        return v && strcmp(v, "1") == 0;
}

/* The program: when the context's u32 at op_off is op (op_off < 0: always), the u32s at
 * port_off and family_off go to the ring buffer; the call itself is always allowed
 * (return 1: for a post_bind program 0 would fail the bind() with EPERM). */
static int listen_bpf_load(
        int map_fd, enum bpf_prog_type type, enum bpf_attach_type attach, int op_off, uint32_t op,
        int port_off, int family_off)
{
        struct bpf_insn insns[] = {
                MOV64_REG(BPF_REG_6, BPF_REG_1),
                LDX_W(BPF_REG_2, BPF_REG_6, (int16_t) op_off),
                JNE_IMM(BPF_REG_2, (int32_t) op, 11),
                LDX_W(BPF_REG_2, BPF_REG_6, (int16_t) port_off),
                STX_W(BPF_REG_10, BPF_REG_2, -8),
                LDX_W(BPF_REG_2, BPF_REG_6, (int16_t) family_off),
                STX_W(BPF_REG_10, BPF_REG_2, -4),
                LD_MAP_FD(BPF_REG_1, map_fd),
                MOV64_REG(BPF_REG_2, BPF_REG_10),
                ADD64_IMM(BPF_REG_2, -8),
                MOV64_IMM(BPF_REG_3, sizeof(struct listen_bpf_record)),
                /* Flags 0: the kernel wakes the reader only for a report into an empty
                 * ring (the reader has caught up), not for each of a burst. */
                MOV64_IMM(BPF_REG_4, 0),
                CALL(BPF_FUNC_ringbuf_output),
                MOV64_IMM(BPF_REG_0, 1),
                EXIT(),
        };
        union bpf_attr attr;
        long fd;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = type;
        attr.expected_attach_type = attach;
        attr.insns = (uint64_t) (uintptr_t) insns;
        attr.insn_cnt = ELEMENTSOF(insns);
        attr.license = (uint64_t) (uintptr_t) "Dual MIT/GPL";
        /* The name tests (and bpftool) know ours by. */
        strncpy(attr.prog_name, LISTEN_BPF_PROG_NAME, sizeof(attr.prog_name) - 1);
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
        return fd < 0 ? -errno : (int) fd;
}

static int listen_bpf_link(int prog_fd, int cgroup_fd, enum bpf_attach_type attach)
{
        union bpf_attr attr;
        long fd;

        memset(&attr, 0, sizeof(attr));
        attr.link_create.prog_fd = (uint32_t) prog_fd;
        attr.link_create.target_fd = (uint32_t) cgroup_fd;
        attr.link_create.attach_type = attach;
        fd = sys_bpf(BPF_LINK_CREATE, &attr);
        return fd < 0 ? -errno : (int) fd;
}

static int listen_bpf_add(
        struct listen_bpf *b, int cgroup_fd, enum bpf_prog_type type, enum bpf_attach_type attach,
        int op_off, uint32_t op, int port_off, int family_off)
{
        int prog = listen_bpf_load(b->map_fd, type, attach, op_off, op, port_off, family_off), link;

        if (prog < 0)
                return prog;
        link = listen_bpf_link(prog, cgroup_fd, attach);
        if (link < 0) {
                close(prog);
                return link;
        }
        b->prog_fds[b->n] = prog;
        b->link_fds[b->n++] = link;
        return 0;
}

int listen_bpf_attach(int cgroup_fd, unsigned what, struct listen_bpf **ret)
{
        struct listen_bpf *b;
        union bpf_attr attr;
        void *p;
        long fd;
        int r = 0;

        if (!what || cgroup_fd < 0)
                return -EINVAL;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->page = (size_t) sysconf(_SC_PAGESIZE);
        memset(&attr, 0, sizeof(attr));
        attr.map_type = BPF_MAP_TYPE_RINGBUF;
        attr.max_entries = LISTEN_BPF_RING_SIZE > b->page ? LISTEN_BPF_RING_SIZE : (uint32_t) b->page;
        attr.map_flags = 0;
        fd = sys_bpf(BPF_MAP_CREATE, &attr);
        if (fd < 0) {
                r = -errno;
                free(b);
                return r;
        }
        b->map_fd = (int) fd;
        /* The ring's two positions: ours (the one writable page) and the kernel's. */
        p = mmap(NULL, b->page, PROT_READ | PROT_WRITE, MAP_SHARED, b->map_fd, 0);
        if (p == MAP_FAILED) {
                r = negative_errno();
                goto fail;
        }
        b->consumer = p;
        p = mmap(NULL, b->page, PROT_READ, MAP_SHARED, b->map_fd, (off_t) b->page);
        if (p == MAP_FAILED) {
                r = negative_errno();
                goto fail;
        }
        b->producer = p;
        if (what & LISTEN_BPF_TCP)
                r = listen_bpf_add(
                        b, cgroup_fd, BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS,
                        offsetof(struct bpf_sock_ops, op), BPF_SOCK_OPS_TCP_LISTEN_CB,
                        offsetof(struct bpf_sock_ops, local_port), offsetof(struct bpf_sock_ops, family));
        /* type == SOCK_DGRAM: a TCP bind() is not yet the listen() that counts. */
        for (int i = 0; r >= 0 && (what & LISTEN_BPF_UDP) && i < 2; i++)
                r = listen_bpf_add(
                        b, cgroup_fd, BPF_PROG_TYPE_CGROUP_SOCK,
                        i == 0 ? BPF_CGROUP_INET4_POST_BIND : BPF_CGROUP_INET6_POST_BIND,
                        offsetof(struct bpf_sock, type), SOCK_DGRAM, offsetof(struct bpf_sock, src_port),
                        offsetof(struct bpf_sock, family));
        if (r < 0)
                goto fail;
        *ret = b;
        return 0;

fail:
        listen_bpf_free(b);
        return r;
}

int listen_bpf_fd(const struct listen_bpf *b)
{
        return b->map_fd;
}

int listen_bpf_drain(struct listen_bpf *b)
{
        unsigned long prod = __atomic_load_n(b->producer, __ATOMIC_ACQUIRE);
        unsigned long cons = *b->consumer;

        if (prod == cons)
                return 0;
        /* Every record is the same size (8 bytes of header, 8 of data): the count is the
         * distance. Whether the last one is committed yet does not matter: the call that
         * writes it has put its socket in the listening state already, and the next report
         * (at our new position) wakes us again. */
        __atomic_store_n(b->consumer, prod, __ATOMIC_RELEASE);
        return (int) ((prod - cons) / (8 + sizeof(struct listen_bpf_record)));
}

struct listen_bpf *listen_bpf_free(struct listen_bpf *b)
{
        if (!b)
                return NULL;
        for (size_t i = 0; i < b->n; i++) {
                close(b->link_fds[i]);
                close(b->prog_fds[i]);
        }
        if (b->consumer)
                munmap(b->consumer, b->page);
        if (b->producer)
                munmap((void *) b->producer, b->page);
        close(b->map_fd);
        free(b);
        return NULL;
}
