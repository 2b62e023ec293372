/*
 * RFC 3164 ("BSD syslog") lines, as Papertrail receives them from Vector's papertrail sink
 * (PROVIDERS.md Part 2 §7.3, the syslog crate's Formatter3164):
 *
 *     <PRI>Mmm DD HH:MM:SS HOSTNAME TAG[PID]: MSG\n
 *
 * in UTC, English month, day of month zero-padded (`Nov 03`, as the crate writes it, not RFC
 * 3164's space padding), second resolution, no year; `HOSTNAME ` is left out when there is no
 * host. One record is always exactly one line: the line ends with one LF and the encoder
 * guarantees no other LF (or CR) in it, so a receiver using non-transparent framing can never
 * split a record or merge two. MSG bytes LF and CR are written as the two characters `\n` and
 * `\r` (the json codec's escapes, so a multi-line `text` message reads the same way a JSON one
 * does) and NUL as `\0`; every other byte is copied. Host and tag bytes that would break the
 * header (space, control bytes, DEL) become `_`.
 *
 * Length: with `max` set, the whole line (LF included) is at most max bytes. A MSG that does not
 * fit is cut, at a character boundary (never inside a UTF-8 sequence, never inside an escape),
 * and ends with LS_SYSLOG_CUT_MARKER; the line stays one line, so a record is never split into
 * two messages. Papertrail takes messages of up to 100 000 bytes (PROVIDERS.md Part 2 §7.6).
 *
 * Leaf code used by sink/kinds/papertrail.c: pure, no logging, any thread.
 */
#ifndef LS_CODEC_SYSLOG_H
#define LS_CODEC_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

struct ls_buf;

/* Facility user (1) * 8 + severity informational (6): what Vector sends for every event. */
#define LS_SYSLOG_PRI_USER_INFO 14

/* What ends a MSG that was cut to fit `max` (the text Slack's truncation ends with, too). */
#define LS_SYSLOG_CUT_MARKER "\xe2\x80\xa6[truncated]"

struct ls_syslog_line {
    int pri;          /* 0..191 */
    int64_t time_ns;  /* ns since the Unix epoch; the header shows its UTC second */
    const char *host; /* NULL or host_len 0: no hostname field */
    size_t host_len;
    const char *tag; /* program name, e.g. "vector"; NULL or "" leaves out `TAG[PID]: ` */
    long pid;        /* < 0: `TAG: ` without `[PID]` */
    const char *msg; /* borrowed; may hold any bytes, including NUL */
    size_t msg_len;
    size_t max; /* longest line, LF included; 0 = no limit */
};

/*
 * Appends one line (with its final LF) to out. Returns 0, or 1 when MSG was cut to fit `max`,
 * or -1 when pri is out of range, when the header alone leaves no room for the marker within
 * `max`, or when out cannot grow (out then keeps what it had before the call).
 */
int ls_syslog_append(struct ls_buf *out, const struct ls_syslog_line *line);

/*
 * Writes the RFC 3164 timestamp of time_ns (`Nov 23 10:00:01`, 15 characters) and a NUL into
 * out (at least 16 bytes). Returns 15.
 */
size_t ls_syslog_timestamp(char *out, int64_t time_ns);

#endif
