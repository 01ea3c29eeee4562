/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base.h: berth's base library, the one public header of libcore/base.
 *
 * Errors, cleanup helpers, memory and strings, logging, JSON values, digests,
 * files, locks, subordinate ids, the TOML reader, configuration loading,
 * --format templates, table output and command-line parsing. It depends on
 * nothing of ours; every other berth library builds on it.
 *
 * Conventions (see DESIGN.md): a function that can fail returns a negative
 * int (or NULL) and fills a `struct err *` out-parameter; `ret_*` out-
 * parameters are written only on success; every type has a `*_free()` that
 * accepts NULL; every fd is O_CLOEXEC.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Errors
 *
 * One error type for the whole project: an errno-like code (> 0) and a
 * message that names the operation and the quoted object, with context
 * prefixes added on the way up ("pulling 'alpine': fetching blob ...").
 * The caller owns the struct (usually on its stack, `struct err e = {0}`)
 * and releases it with err_done(). Every function taking `struct err *e`
 * accepts e == NULL (the error is then only returned, not described).
 * ------------------------------------------------------------------------ */

struct err {
        int code;  /* positive errno-like value; 0 when no error is set */
        char *msg; /* full message, owned */
};

/* Set an error with an explicit code; returns -code (code <= 0 becomes EIO). */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Set an error from errno: "<fmt>: <strerror(errno)>"; returns -errno. */
int err_errno(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same as err_errno() with an explicit errno value (positive or negative). */
int err_errnum(struct err *e, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Prefix context to an error already set: "<ctx>: <msg>"; returns -code. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Release the message and reset the error; accepts NULL. */
void err_done(struct err *e);
/* Move the error in src into dst (dst is released first); returns -code. */
int err_move(struct err *dst, struct err *src);

/* ------------------------------------------------------------------------
 * Cleanup attributes and ownership
 * ------------------------------------------------------------------------ */

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_strv_ _cleanup_(strv_freep)
#define _cleanup_err_ _cleanup_(err_done)
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))

/* Take a pointer out of a cleanup variable: the variable becomes NULL. */
#define steal_pointer(pp)                                                                          \
        ({                                                                                         \
                __typeof__(*(pp)) _stolen = *(pp);                                                 \
                *(pp) = NULL;                                                                      \
                _stolen;                                                                           \
        })
/* Take an fd out of a cleanup variable: the variable becomes -1. */
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _taken = (fd);                                                                 \
                (fd) = -1;                                                                         \
                _taken;                                                                            \
        })
/* Declare `name##p(type *)` calling func(*p) when *p is not NULL. */
#define DEFINE_CLEANUP_FUNC(type, func)                                                            \
        static inline void func##p(type *p)                                                        \
        {                                                                                          \
                if (*p)                                                                            \
                        func(*p);                                                                  \
        }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STREQ(a, b) (strcmp((a), (b)) == 0)

static inline void freep(void *p)
{
        free(*(void **)p);
}
/* Close *fd if >= 0, keeping errno unchanged. */
void closep(int *fd);
/* fclose *f if not NULL, keeping errno unchanged. */
void fclosep(FILE **f);

/* ------------------------------------------------------------------------
 * Memory and strings. Allocation failure aborts: OOM is not an error path.
 * ------------------------------------------------------------------------ */

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow *p (of *cap elements of elsize) to hold at least need elements. */
void xgrow(void **p, size_t *cap, size_t need, size_t elsize);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Allocates: printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Parse a whole decimal/0x string into an int64/uint64; -EINVAL or -ERANGE. */
int str_to_int64(const char *s, int64_t *ret);
int str_to_uint64(const char *s, uint64_t *ret);
/* Parse "true"/"false" (and 1/0, as Go's strconv.ParseBool); -EINVAL. */
int str_to_bool(const char *s, bool *ret);

/* NULL-terminated string vectors. */
void strv_free(char **v);
static inline void strv_freep(char ***v)
{
        strv_free(*v);
}
size_t strv_length(char *const *v);
/* Append s (taken) to *v, which may be NULL. */
void strv_push(char ***v, char *s);
/* Append a copy of s. */
void strv_add(char ***v, const char *s);
bool strv_contains(char *const *v, const char *s);
/* Allocates: copy of v. */
char **strv_copy(char *const *v);
/* Allocates: elements joined by sep. */
char *strv_join(char *const *v, const char *sep);
/* Allocates: s split at each character of seps; empty fields kept. */
char **strv_split(const char *s, const char *seps);

/* A shared library loaded with dlopen on first use (dl.c): its table of
 * function pointers (the struct's members, in the order of symbols) is
 * filled, or errbuf says what is missing and which package provides it. */
struct dl_lib {
        const char *name;        /* "libarchive", for messages */
        const char *soname;      /* "libarchive.so.13" */
        const char *package;     /* the Debian package that installs it */
        const char *min_version; /* the oldest version with every symbol */
        const char *const *symbols;
        size_t n_symbols;
};
bool dl_load_table(const struct dl_lib *lib, void *table, char *errbuf, size_t errlen);
#define DL_SYMBOL_NAME(name) #name,
/* Defines `int GETTER(const struct TABLE **ret, struct err *e)`: the table
 * of the functions FUNCS (an X-macro) loaded once (pthread_once) from
 * SONAME, or ENOPKG with the reason. Needs <errno.h> and <pthread.h>. */
#define DL_DEFINE_GETTER(GETTER, TABLE, FUNCS, NAME, SONAME, PACKAGE, MIN_VERSION)                 \
        static struct TABLE GETTER##_table;                                                        \
        static char GETTER##_error[512];                                                           \
        static bool GETTER##_ok;                                                                   \
        static pthread_once_t GETTER##_once = PTHREAD_ONCE_INIT;                                   \
        static void GETTER##_load(void)                                                            \
        {                                                                                          \
                static const char *const symbols[] = {FUNCS(DL_SYMBOL_NAME)};                      \
                static const struct dl_lib lib = {NAME,    SONAME,  PACKAGE,                       \
                                                  MIN_VERSION, symbols, ARRAY_SIZE(symbols)};     \
                GETTER##_ok = dl_load_table(&lib, &GETTER##_table, GETTER##_error,                 \
                                            sizeof(GETTER##_error));                               \
        }                                                                                          \
        int GETTER(const struct TABLE **ret, struct err *e)                                        \
        {                                                                                          \
                pthread_once(&GETTER##_once, GETTER##_load);                                       \
                if (!GETTER##_ok)                                                                  \
                        return err_set(e, ENOPKG, "%s", GETTER##_error);                           \
                *ret = &GETTER##_table;                                                            \
                return 0;                                                                          \
        }

/* Growable string buffer; buf is always NUL-terminated once used. */
struct sbuf {
        char *buf;
        size_t len;
        size_t cap;
};
void sbuf_append(struct sbuf *b, const char *s);
void sbuf_append_len(struct sbuf *b, const char *s, size_t n);
/* n as a size_t, then n bytes of s: a field of a binary key that the bytes
 * of another field cannot imitate (the caches' keys). */
void sbuf_append_sized(struct sbuf *b, const char *s, size_t n);
void sbuf_putc(struct sbuf *b, char c);
/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it
 * is not one (overlong forms and surrogates are invalid). */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Append one code point encoded as UTF-8. */
void sbuf_put_utf8(struct sbuf *b, uint32_t cp);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
/* Allocates: returns the string (never NULL) and resets the buffer. */
char *sbuf_steal(struct sbuf *b);
void sbuf_done(struct sbuf *b);

/* ------------------------------------------------------------------------
 * Logging. Library code logs at debug level only; the front-end prints
 * errors. The level is the one process-wide setting (from --log-level or
 * BERTH_LOG_LEVEL). Output goes to stderr, in logrus's style as podman
 * prints it: `WARN[0000] msg` on a terminal, `time="..." level=warning
 * msg="..."` otherwise -- unless a sink is set, which then gets every
 * message instead (berth-runtime's --log file; a forked child that must
 * not write to what has become a container's stderr).
 * ------------------------------------------------------------------------ */

enum log_level {
        LOG_PANIC,
        LOG_FATAL,
        LOG_ERROR,
        LOG_WARN,
        LOG_INFO,
        LOG_DEBUG,
        LOG_TRACE,
        _LOG_LEVEL_MAX,
};

/* Accepts podman's names: trace debug info warn warning error fatal panic. */
int log_level_from_string(const char *s);
const char *log_level_to_string(enum log_level l);
void log_set_level(enum log_level l);
enum log_level log_get_level(void);
/* Apply BERTH_LOG_LEVEL if set and valid; returns -EINVAL if set but bad. */
int log_level_from_env(void);
void log_msg(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Receives each message log_msg() lets through (the level check is done),
 * formatted but without a newline. It must not call log_msg(). */
typedef void (*log_sink_fn)(enum log_level l, const char *msg, void *data);
/* Send messages to fn (with data) instead of stderr; fn NULL restores stderr. */
void log_set_sink(log_sink_fn fn, void *data);
/* A sink that drops every message. */
void log_sink_discard(enum log_level l, const char *msg, void *data);

#define log_at(l, ...)                                                                             \
        do {                                                                                       \
                if (log_get_level() >= (l))                                                        \
                        log_msg((l), __VA_ARGS__);                                                 \
        } while (0)
#define log_trace(...) log_at(LOG_TRACE, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * JSON values
 *
 * A small ordered tree used for every JSON (and TOML) document berth reads
 * or writes. Objects keep key order (it is part of berth's output format).
 * Parsing goes through yajl with bounded depth; generation through yajl_gen.
 * ------------------------------------------------------------------------ */

enum json_type {
        JSON_NULL,
        JSON_BOOL,
        JSON_INT,    /* fits int64 */
        JSON_DOUBLE, /* any other number; see is_uint */
        JSON_STRING,
        JSON_ARRAY,
        JSON_OBJECT,
};

struct json {
        enum json_type type;
        /* A JSON_DOUBLE that is an integer above INT64_MAX (an unlimited
         * rlimit is 2^64-1): u holds it exactly and generation prints u.
         * Readers that know only int64 and double still see d, its nearest
         * double, as before; json_get_uint() reads u. */
        bool is_uint;
        union {
                bool b;
                int64_t i;
                struct {
                        double d;
                        uint64_t u;
                };
                struct {
                        char *s;
                        size_t len; /* strings may hold NUL bytes */
                } str;
                struct {
                        struct json **items;
                        size_t len, cap;
                } arr;
                struct {
                        char **keys;
                        struct json **vals;
                        size_t len, cap;
                } obj;
        };
};

#define JSON_MAX_DEPTH 256

struct json *json_new_null(void);
struct json *json_new_bool(bool b);
struct json *json_new_int(int64_t i);
struct json *json_new_double(double d);
/* A JSON_INT up to INT64_MAX, above it an exact JSON_DOUBLE (is_uint). */
struct json *json_new_uint(uint64_t u);
struct json *json_new_string(const char *s); /* s == NULL gives JSON null */
struct json *json_new_string_len(const char *s, size_t len);
struct json *json_new_string_take(char *s); /* takes s; NULL gives null */
struct json *json_new_array(void);
struct json *json_new_object(void);
/* Allocates: a string array from a strv (NULL gives an empty array). */
struct json *json_new_strv(char *const *v);
/* Allocates: the strings of an array (others skipped); NULL when a is not
 * an array or has none. */
char **json_strv(const struct json *a);
/* Allocates: a copy of an object with its keys sorted, as Go marshals a
 * map; an empty object when obj is not one. */
struct json *json_sorted_copy(const struct json *obj);
void json_free(struct json *j);
DEFINE_CLEANUP_FUNC(struct json *, json_free)
#define _cleanup_json_ _cleanup_(json_freep)
/* Allocates: a deep copy. */
struct json *json_copy(const struct json *j);

/* Take v into arr. */
void json_array_append(struct json *arr, struct json *v);
/* Take v into obj under key, replacing an existing value of that key. */
void json_object_set(struct json *obj, const char *key, struct json *v);
/* Add a member without looking for one of the same key (takes v): for
 * objects built from keys known to be distinct, in O(1). */
void json_object_append(struct json *obj, const char *key, struct json *v);
/* Convenience setters (copy their argument). NULL string sets JSON null. */
void json_object_set_string(struct json *obj, const char *key, const char *s);
void json_object_set_int(struct json *obj, const char *key, int64_t i);
void json_object_set_uint(struct json *obj, const char *key, uint64_t u);
void json_object_set_bool(struct json *obj, const char *key, bool b);
/* Remove key (freeing its value); returns true if it was present. */
bool json_object_remove(struct json *obj, const char *key);
/* Lookups return NULL (or the default) when absent or of another type. */
struct json *json_object_get(const struct json *obj, const char *key);
const char *json_object_get_string(const struct json *obj, const char *key);
int64_t json_object_get_int(const struct json *obj, const char *key, int64_t dflt);
bool json_object_get_bool(const struct json *obj, const char *key, bool dflt);
/* True, with the value in *ret, when j is an integer in 0..UINT64_MAX (a
 * JSON_INT >= 0 or an is_uint JSON_DOUBLE); false for anything else. */
bool json_get_uint(const struct json *j, uint64_t *ret);
uint64_t json_object_get_uint(const struct json *obj, const char *key, uint64_t dflt);
/* Follow a dotted path of object keys ("engine.runtime"). */
struct json *json_get_path(const struct json *j, const char *dotted);
bool json_equal(const struct json *a, const struct json *b);
/* "null", "boolean", "integer", "number", "string", "array" or "object". */
const char *json_type_to_string(enum json_type t);

/* Parse a document (any top-level value). Errors read "invalid JSON at line L,
 * column C: ..."; json_parse_file prefixes "parse '<path>': ". */
int json_parse(const char *buf, size_t len, struct json **ret, struct err *e);
/* Read and parse a file, at most max_size bytes (0: 64 MiB). */
int json_parse_file(int dirfd, const char *path, size_t max_size, struct json **ret,
                    struct err *e);
/* json_parse(_file), keeping of a top-level object only the members named
 * in keys (NULL-terminated; NULL keeps all): the others are lexed and
 * checked (syntax, UTF-8, nesting), not built, which makes reading a few
 * fields of many documents cheap. Any other top-level value is kept whole. */
int json_parse_only(const char *buf, size_t len, const char *const *keys, struct json **ret,
                    struct err *e);
int json_parse_file_only(int dirfd, const char *path, size_t max_size, const char *const *keys,
                         struct json **ret, struct err *e);

enum json_gen_flags {
        JSON_GEN_PRETTY = 1 << 0,   /* newline + indentation */
        JSON_GEN_INDENT4 = 1 << 1,  /* with PRETTY: 4 spaces (podman inspect) instead of 2 */
        JSON_GEN_NEWLINE = 1 << 2,  /* final newline */
        JSON_GEN_ESCAPE_HTML = 1 << 3, /* escape < > & as \u003c ... like Go's encoding/json */
};
/* Allocates: the document as text. */
char *json_generate(const struct json *j, unsigned flags);

/* ------------------------------------------------------------------------
 * Digests: SHA-256 through libcrypto, "sha256:<64 hex>" strings.
 * ------------------------------------------------------------------------ */

#define DIGEST_SHA256_HEX_LEN 64
#define DIGEST_SHA256_LEN (7 + DIGEST_SHA256_HEX_LEN) /* "sha256:" + hex */

struct digester;
/* Allocates: a streaming SHA-256 context. */
struct digester *digester_new(void);
void digester_update(struct digester *d, const void *buf, size_t len);
/* Allocates: "sha256:<hex>" of everything fed so far; the context is reset. */
char *digester_final(struct digester *d);
void digester_free(struct digester *d);
DEFINE_CLEANUP_FUNC(struct digester *, digester_free)

/* Allocates: "sha256:<hex>" of a buffer. */
char *digest_buffer(const void *buf, size_t len);
/* Digest of a file's whole content. */
int digest_file(int dirfd, const char *path, char **ret_digest, struct err *e);
/* Validate "<algorithm>:<encoded>" per the OCI image spec; sha256 and sha512
 * must be lowercase hex of the right length; other algorithms are refused.
 * ret_hex (optional) points into s at the encoded part. */
int digest_validate(const char *s, const char **ret_hex, struct err *e);
/* Validate a bare 64-char lowercase hex id (an image or layer ID). */
bool digest_is_hex64(const char *s);

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

/* Read a whole file (relative to dirfd, AT_FDCWD allowed) into a NUL-
 * terminated buffer; fails with EFBIG above max_size (0: 64 MiB). */
int fs_read_file(int dirfd, const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
                 struct err *e);
/* The same from an open fd, to its end; path names it in errors. */
int fs_read_fd(int fd, const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
               struct err *e);
/* A pid file (runc's --pid-file, the monitor's monitor.pid): a positive
 * decimal pid, a trailing newline or spaces allowed. */
int fs_read_pid(int dirfd, const char *path, pid_t *ret, struct err *e);
/* Atomically replace dirfd/path: write a temp file in the same directory,
 * fsync it, fchmod to mode, rename over path, fsync the directory. */
int fs_write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                    struct err *e);
/* The same without the directory's fsync: a crash leaves the old or the new
 * content whole, but perhaps the old (containers/storage's AtomicWriteFile
 * does no more). For a shared file whose change need not outlive a crash:
 * the record of a --rm container. */
int fs_write_atomic_intact(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                           struct err *e);
/* The same without the fsyncs, for state under a runroot or a runtime's
 * state root (a tmpfs, gone at reboot): readers still see the old or the
 * new file whole, nothing needs it durable (containers/storage's NoSync
 * for its volatile files, runc's state.json). */
int fs_write_atomic_volatile(int dirfd, const char *path, const void *buf, size_t len,
                             mode_t mode, struct err *e);
/* Write all of buf to fd, again after EINTR, waiting for POLLOUT after
 * EAGAIN (a non-blocking fd): 0, or -errno (-EIO for a write of nothing). */
int fs_write_all(int fd, const void *buf, size_t len);
/* The same with pwrite(2) from offset off. */
int fs_pwrite_all(int fd, const void *buf, size_t len, off_t off);
/* mkdir -p with mode for created components; existing dirs are fine. */
int fs_mkdir_p(const char *path, mode_t mode, struct err *e);
/* True if path exists (lstat). */
bool fs_exists(const char *path);
/* Allocates: the name of a cache entry for key bytes, "<64-bit FNV-1a in
 * hex>-<length>". Caches keep the key in the entry and compare it whole,
 * so the hash only spreads names and needs no trust. */
char *fs_cache_name(const void *key, size_t len);
/* A cache directory of max or more entries (names not starting with '.')
 * is emptied, rather than keeping use counts; best effort. */
void fs_cache_bound(int dirfd, size_t max);

/* Resolve and open `path` inside the directory tree at rootfd, never leaving
 * it: ".." stops at the root, absolute symlinks are relative to the root,
 * symlink loops fail with ELOOP. Uses openat2(RESOLVE_IN_ROOT) when the
 * kernel has it and a component-by-component walk otherwise. flags are
 * open(2) flags (O_CLOEXEC is added); with O_CREAT the last component may be
 * created with mode. Returns the fd or a negative errno. */
int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct err *e);
/* The same with the fallback walk forced (for tests and old kernels). */
int fs_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, struct err *e);

/* Receive one fd sent with SCM_RIGHTS on a unix socket (O_CLOEXEC), waiting
 * at most timeout_ms: ETIMEDOUT then, EPROTO for a message without one. */
int fs_recv_fd(int sock, int timeout_ms, int *ret_fd, struct err *e);
/* One recvmsg (EINTR retried) of at most len bytes into buf; the fd that
 * came with it in *ret_fd (close-on-exec), -1 if none. Returns the bytes
 * received (0 at EOF) or -errno. */
ssize_t fs_recv_with_fd(int sock, void *buf, size_t len, int *ret_fd);
/* Send len bytes of data with fd attached (SCM_RIGHTS; fd < 0: none) in one
 * sendmsg, retried on EINTR, without SIGPIPE. Returns the bytes sent or
 * -errno. Async-signal-safe (no allocation): a forked child may call it. */
ssize_t fs_send_fd(int sock, const void *data, size_t len, int fd);
/* A listening unix stream socket (non-blocking, close-on-exec) at dir/name,
 * or at <new directory under /tmp>/sock when that path does not fit
 * sun_path (*ret_tmpdir is then that directory, else NULL; the caller
 * removes both). Returns the fd. */
int fs_unix_listen(const char *dir, const char *name, char **ret_path, char **ret_tmpdir,
                   struct err *e);

/* ------------------------------------------------------------------------
 * File locks compatible with containers/storage: fcntl whole-file locks,
 * open-file-description style (F_OFD_SETLKW), so they exclude podman's
 * (which are POSIX fcntl locks over the same range) and are per-fd, not
 * per-process. flock(2) would not exclude podman.
 * ------------------------------------------------------------------------ */

#define LOCK_TOKEN_SIZE 64

struct lockfile {
        int fd;
        char *path;
        bool ro;      /* opened read-only: only read locks */
        int held;     /* 0 none, 1 read, 2 write */
        unsigned char last_token[LOCK_TOKEN_SIZE]; /* token seen at our last lock/unlock */
        bool have_token;
};

/* Allocates: open (creating 0644 unless ro) a lock file. */
int lockfile_open(const char *path, bool ro, struct lockfile **ret, struct err *e);
void lockfile_free(struct lockfile *l); /* unlocks and closes */
DEFINE_CLEANUP_FUNC(struct lockfile *, lockfile_free)
/* Frees and closes without unlocking: a held OFD lock stays held by a
 * forked child that shares the open file description. */
void lockfile_hand_over(struct lockfile *l);
/* Block until the whole-file write (exclusive) or read (shared) lock is held. */
int lockfile_lock(struct lockfile *l, struct err *e);
int lockfile_rlock(struct lockfile *l, struct err *e);
/* Non-blocking variant: -EAGAIN if held elsewhere. */
int lockfile_trylock(struct lockfile *l, bool write, struct err *e);
int lockfile_unlock(struct lockfile *l, struct err *e);
/* While holding the lock: true if another writer changed the token since we
 * last saw it (a short read counts as modified, like containers/storage). */
int lockfile_modified(struct lockfile *l, bool *ret_modified, struct err *e);
/* While holding the write lock: write a fresh 64-byte token at offset 0
 * (ns time LE, counter LE, pid LE, random) and remember it. */
int lockfile_touch(struct lockfile *l, struct err *e);

/* ------------------------------------------------------------------------
 * Users and subordinate ids (/etc/subuid, /etc/subgid)
 * ------------------------------------------------------------------------ */

struct id_range {
        uint32_t start; /* first host id */
        uint32_t count;
};

/* Allocates: every range that `file` (e.g. "/etc/subuid") grants to the user
 * given by name or numeric id (either line form matches). Malformed lines
 * are skipped with a debug message; a missing file gives zero ranges. */
int subid_lookup(const char *file, const char *user, uid_t id, struct id_range **ret_ranges,
                 size_t *ret_n, struct err *e);
/* The same over a buffer (for tests and fuzzing). */
int subid_parse(const char *buf, size_t len, const char *user, uid_t id,
                struct id_range **ret_ranges, size_t *ret_n);

/* One line of /proc/<pid>/uid_map or gid_map, and of OCI idMappings. */
struct id_map {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};
/* Allocates: parse /proc/<pid|self>/{uid,gid}_map content. */
int idmap_parse(const char *buf, struct id_map **ret, size_t *ret_n, struct err *e);

/* The user berth runs for. rootless is true for a non-root euid, and also
 * inside berth's (or podman's) user namespace, where the original uid comes
 * from _CONTAINERS_ROOTLESS_UID as podman passes it. */
struct user_info {
        uid_t uid;
        gid_t gid;
        bool rootless;
        char *name; /* from the passwd database when it gave home; else NULL */
        char *home; /* $HOME, else the passwd entry */
};
int user_info_get(struct user_info *ret, struct err *e);
/* Allocates: the user's name from the passwd database (NULL if none). */
char *user_info_name(const struct user_info *u);
void user_info_done(struct user_info *u);

/* ------------------------------------------------------------------------
 * The rootless user namespace, shared with podman.
 *
 * A non-root berth works inside a user namespace that maps 0 to the user
 * and 1.. to the user's /etc/subuid and /etc/subgid ranges (written by
 * newuidmap/newgidmap, exactly as podman maps them), and inside a mount
 * namespace. A long-lived pause process holds both; its pid is in
 * <runtime dir>/libpod/tmp/pause.pid, the very file and process podman 4.3
 * uses: whichever tool comes first creates them, the other joins, so berth
 * and podman see the same overlay mounts of the shared store.
 *
 * Threads: setns() into a user namespace fails (EINVAL) in a multi-threaded
 * process, and userns_enter() forks helpers, which is only safe while
 * single-threaded. Call it first thing in main(), before anything that may
 * start a thread; after it, threads are fine.
 * ------------------------------------------------------------------------ */

enum userns_flags {
        /* A user without subordinate ids gets podman's fallback, 0 -> the
         * user alone (with podman's warning), instead of an error. */
        USERNS_ALLOW_SINGLE_MAPPING = 1 << 0,
};

/* Hidden argv[1] with which the pause process re-executes berth when
 * catatonit is missing; main() must then call userns_pause() at once. */
#define USERNS_PAUSE_ARG "--berth-internal-userns-pause"

/* Join (or create, then join) the rootless user and mount namespaces and set
 * _CONTAINERS_USERNS_CONFIGURED, _CONTAINERS_ROOTLESS_UID/GID as podman does.
 * Nothing to do for real root or when already inside. Single-threaded only. */
int userns_enter(unsigned flags, struct err *e);
/* The built-in pause process (catatonit -P semantics: exits on SIGTERM). */
_noreturn_ void userns_pause(void);
/* Exec argv (NULL or empty: $SHELL, else /bin/sh) in place of this process,
 * with CONTAINERS_GRAPHROOT/CONTAINERS_RUNROOT set (unless NULL) as `podman
 * unshare` does. Returns only on failure: -ENOENT when there is no such
 * command, another negative errno when it cannot be run. */
int userns_exec(char *const *argv, const char *graphroot, const char *runroot, struct err *e);
/* Allocates: newuidmap/newgidmap arguments after the pid, as podman builds
 * them: "0 <id> 1", then "<inside> <start> <count>" for each range sorted by
 * start, inside ids counting on from 1. EINVAL if a range holds id itself
 * (file names the source in that error). */
int userns_map_args(uint32_t id, const struct id_range *ranges, size_t n, const char *file,
                    char ***ret, struct err *e);
/* Parse pause.pid content: a decimal pid > 0 (one trailing newline allowed). */
int userns_pid_parse(const char *buf, size_t len, pid_t *ret);

/* ------------------------------------------------------------------------
 * Host facts shared by the engine and the runtime.
 * ------------------------------------------------------------------------ */

enum cgroup_mode {
        CGROUP_LEGACY,  /* v1 controllers only */
        CGROUP_HYBRID,  /* v1 controllers plus a v2 mount at /sys/fs/cgroup/unified */
        CGROUP_UNIFIED, /* v2 only */
};

/* How cgroups are mounted at sysfs_cgroup ("/sys/fs/cgroup"). */
int host_cgroup_mode(const char *sysfs_cgroup, enum cgroup_mode *ret, struct err *e);
const char *cgroup_mode_to_string(enum cgroup_mode m);
/* Allocates: the value of key in /etc/os-release (else /usr/lib/os-release), or NULL. */
char *host_os_release(const char *key);
/* The machine architecture as Go and OCI name it ("amd64", "arm64", ...). */
const char *host_go_arch(void);
/* Allocates: the first executable `name` in $PATH (or name itself if it has a '/'). */
char *host_find_program(const char *name);

/* ------------------------------------------------------------------------
 * TOML reader (what containers.conf, storage.conf and registries.conf use).
 * Tables become JSON objects, arrays arrays, strings/integers/floats/
 * booleans the matching values, date-times strings. Errors read
 * "<name>:<line>:<col>: <what>" with 1-based line and column.
 * ------------------------------------------------------------------------ */

#define TOML_MAX_SIZE (4u << 20)

int toml_parse(const char *buf, size_t len, const char *name, struct json **ret, struct err *e);
int toml_parse_file(const char *path, struct json **ret, struct err *e);

/* ------------------------------------------------------------------------
 * Configuration: containers.conf, storage.conf, registries.conf, read in
 * the containers-common search order with environment overrides, and the
 * default paths podman computes for the same user and environment.
 * ------------------------------------------------------------------------ */

/* An environment for path computation, so tests can fake it. NULL fields
 * are looked up in the real process environment / system. */
struct config_env {
        const char *(*getenv)(const char *name, void *userdata);
        void *userdata;
        const char *root_prefix; /* prepended to /etc, /usr/share, /run paths (tests) */
        const struct user_info *user; /* the user to compute paths for (tests) */
};

struct registry_mirror {
        char *location;
        bool insecure;
        bool pull_from_mirror_digest_only; /* pull-from-mirror = "digest-only" */
};

struct registry_entry {
        char *prefix;
        char *location;
        bool insecure;
        bool blocked;
        bool mirror_by_digest_only;
        struct registry_mirror *mirrors;
        size_t n_mirrors;
};

struct registries_conf {
        char **search;          /* unqualified-search-registries */
        char *short_name_mode;  /* "enforcing", "permissive", "disabled" or NULL */
        struct registry_entry *registries;
        size_t n_registries;
        struct json *aliases;   /* object: short name -> fully qualified name */
        char **credential_helpers;
};

struct storage_conf {
        char *driver;          /* configured driver, or NULL: chosen by storage/ */
        char *graphroot;
        char *runroot;
        char *rootless_storage_path;
        char **options;        /* driver options "overlay.mount_program=..." */
        char *mount_program;   /* overlay.mount_program of the options in effect */
        char *config_file;     /* the storage.conf in effect (may not exist) */
        bool config_exists;
};

struct config {
        struct user_info user;
        char *runtime_dir;     /* podman's rootless runtime dir, NULL for root */
        char *tmp_dir;         /* engine.tmp_dir: /run/libpod, or <runtime_dir>/libpod/tmp */
        char **files_read;     /* every config file read, in order */
        struct json *containers; /* merged containers.conf tables */
        struct storage_conf storage;
        struct registries_conf registries; /* read by config_registries() */
        bool registries_read;
        const struct config_env *env; /* config_load's, for config_registries() */
        /* Resolved engine settings (containers.conf or built-in defaults). */
        char *cgroup_manager;  /* "cgroupfs" or "systemd" */
        char *runtime;         /* engine.runtime: "berth", "crun", "runc" or a path */
        char *events_logger;
        char *log_driver;
        char *seccomp_profile;
};

/* Flags that override configuration (podman's global options). NULL/empty
 * fields leave the configuration alone. */
struct config_overrides {
        const char *root;
        const char *runroot;
        const char *storage_driver;
        char **storage_opts;
        const char *runtime;
        const char *cgroup_manager;
        const char *tmpdir;
};

/* Load every configuration file in the containers-common order and compute
 * the default paths. A malformed file fails with "<file>:<line>:<col>: ...".
 * registries.conf is read later, by the commands that use it
 * (config_registries); env must outlive the config. */
int config_load(const struct config_env *env, const struct config_overrides *ovr,
                struct config **ret, struct err *e);
/* Read registries.conf and its drop-ins into c->registries, once (their
 * files join c->files_read); fails as config_load does for a bad file. */
int config_registries(struct config *c, struct err *e);
void config_free(struct config *c);
DEFINE_CLEANUP_FUNC(struct config *, config_free)
/* A string from the merged containers.conf ("engine.runtime"), or NULL. */
const char *config_get_string(const struct config *c, const char *dotted);

/* ------------------------------------------------------------------------
 * Go-template subset for --format, evaluated over JSON values:
 * {{.A.B}}, {{.}}, {{json .}}, {{range .X}}..{{end}}, {{if}}/{{else}}/
 * {{end}}, {{index}}, {{printf}}, {{upper}}, {{lower}}, {{truncate}},
 * {{join}}, pipelines with |, the "table" prefix, and \t \n escapes as the
 * podman CLI interprets them.
 * ------------------------------------------------------------------------ */

struct tmpl;
/* Allocates: compile a template. A leading "table" marks a table format. */
int tmpl_compile(const char *src, struct tmpl **ret, struct err *e);
void tmpl_free(struct tmpl *t);
DEFINE_CLEANUP_FUNC(struct tmpl *, tmpl_free)
bool tmpl_is_table(const struct tmpl *t);
/* Run the template on data, appending to out. */
int tmpl_exec(const struct tmpl *t, const struct json *data, struct sbuf *out, struct err *e);
/* Render the header line of a table: each field reference {{.A.B}} prints
 * headers[B] if that key exists, else B upper-cased with camel case split
 * into words ("CreatedAt" -> "CREATED AT"). */
int tmpl_exec_header(const struct tmpl *t, const struct json *headers, struct sbuf *out,
                     struct err *e);

/* Tab-separated cells aligned into columns like Go's text/tabwriter as
 * podman configures it (minwidth 12, tabwidth 2, padding 2, padchar ' ', flags 0). */
struct tabw;
struct tabw *tabw_new(void);
/* Feed text; cells end at '\t', rows at '\n'. */
void tabw_write(struct tabw *w, const char *s);
/* Allocates: the aligned text; the writer is reset. */
char *tabw_flush(struct tabw *w);
void tabw_free(struct tabw *w);
DEFINE_CLEANUP_FUNC(struct tabw *, tabw_free)

/* ------------------------------------------------------------------------
 * Reports: what a command prints for --format, and YAML for `info`.
 * ------------------------------------------------------------------------ */

/* Render data for a --format value as podman does: "json" prints indented
 * JSON; "table [TEMPLATE]" prints a header row (see tmpl_exec_header) then
 * one row per item; any other template runs once per item, adding a
 * newline when it lacks one. Cells separated by tabs are aligned. list says
 * whether data is an array of items or a single item. A NULL or empty
 * format, or a bare "table", uses dflt. */
int report_render(const char *format, const char *dflt, const struct json *data, bool list,
                  const struct json *headers, struct sbuf *out, struct err *e);
/* The same without a table format's header row (--noheading): the columns
 * stay aligned. */
int report_render_noheading(const char *format, const char *dflt, const struct json *data,
                            bool list, const struct json *headers, struct sbuf *out,
                            struct err *e);
/* Allocates: a size as docker and podman print it ("2.13 MB", decimal units). */
char *report_human_size(int64_t bytes);
/* Allocates: how long ago, as podman prints it ("About a minute ago", "3 days ago"). */
char *report_human_ago(int64_t seconds);

/* Parse an RFC 3339 time ("2026-11-28T01:03:19.923101032Z", offsets
 * allowed) into seconds and nanoseconds since the epoch. */
int time_parse_rfc3339(const char *s, int64_t *ret_sec, int32_t *ret_nsec);
/* Allocates: an RFC 3339 UTC time with nanoseconds, trailing zeros dropped
 * as Go's time.RFC3339Nano does. */
char *time_format_rfc3339(int64_t sec, int32_t nsec);
/* The current time as seconds and nanoseconds. */
void time_now(int64_t *ret_sec, int32_t *ret_nsec);

/* Append data as YAML in the style podman prints `info` with. */
void report_yaml(const struct json *data, struct sbuf *out);

/* ------------------------------------------------------------------------
 * Command-line parsing, docker style: short and long options, --opt=v,
 * --opt v, -ov, bundled -it, repeatable options, "--" ends options,
 * --flag=false for booleans. Options are described by tables; values land
 * in a caller struct through offsets.
 * ------------------------------------------------------------------------ */

enum cli_opt_type {
        CLI_BOOL,   /* bool */
        CLI_STRING, /* char * (last one wins; owned) */
        CLI_STRV,   /* char ** (repeatable; each value appended as is) */
        CLI_CSV,    /* char ** (repeatable; values also split at commas) */
        CLI_INT,    /* int64_t */
        CLI_UINT,   /* uint64_t */
};

struct cli_option {
        const char *name;  /* long name without "--" */
        char shortname;    /* 0 if none */
        enum cli_opt_type type;
        size_t offset;     /* of the field in the options struct */
        const char *arg;   /* value name in help ("string"), NULL for bools */
        const char *help;
        const char *dflt;  /* default shown in help, NULL if none */
        bool hidden;
};
#define CLI_END { .name = NULL }

struct cli_parse_result {
        char **args;        /* positional arguments (owned) */
        char *error;        /* usage error message, when parse fails (owned) */
};

enum cli_parse_flags {
        CLI_STOP_AT_FIRST_ARG = 1 << 0, /* options end at the first positional (run, exec) */
};

/* Parse argv against up to two option tables (the command's and, as a
 * fallback, the global ones), storing values into opts / global_opts.
 * Returns 0, or -EINVAL with res->error set to a message such as
 * "unknown flag: --foo". -h/--help sets *ret_help. */
int cli_parse(int argc, char *const *argv, const struct cli_option *opts, void *opts_struct,
              const struct cli_option *global, void *global_struct, unsigned flags,
              bool *ret_help, struct cli_parse_result *res);
void cli_parse_result_done(struct cli_parse_result *r);
/* Free the strings and vectors an options struct got from cli_parse(). */
void cli_options_free(const struct cli_option *opts, void *opts_struct);
/* Append "  -f, --format string   help (default ...)" lines, aligned. */
void cli_options_help(const struct cli_option *opts, struct sbuf *out);
